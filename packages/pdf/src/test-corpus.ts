/**
 * Test-only access to the shared PDF corpus. Tests run in workerd without a
 * filesystem, so vitest.config.ts serves ../shared/corpus/pdfjs/ at
 * https://corpus.test/ through the outbound service.
 */
import { z } from "zod";

const CORPUS_ORIGIN = "https://corpus.test";

const manifestRowSchema = z.object({
  file: z.string().regex(/^[\w.-]+\.pdf$/),
  bytes: z.coerce.number().int().min(0),
  note: z.string(),
});
export type CorpusFile = z.infer<typeof manifestRowSchema> & { password: string | null };

/** Bytes of one corpus file. */
export async function corpusBytes(file: string): Promise<Uint8Array> {
  const response = await fetch(`${CORPUS_ORIGIN}/${encodeURIComponent(file)}`);
  if (!response.ok) throw new Error(`corpus file ${file}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** The rows of MANIFEST.tsv (file, size, note), with the password a note names. */
export async function corpusManifest(): Promise<CorpusFile[]> {
  const response = await fetch(`${CORPUS_ORIGIN}/MANIFEST.tsv`);
  if (!response.ok) throw new Error(`corpus manifest: HTTP ${response.status}`);
  const [, ...rows] = (await response.text()).split(/\r?\n/).filter((line) => line.trim().length > 0);
  return rows.map((row) => {
    const [file, bytes, note = ""] = row.split("\t");
    const parsed = manifestRowSchema.parse({ file, bytes, note });
    return { ...parsed, password: /password=(\S+)/.exec(parsed.note)?.[1] ?? null };
  });
}
