/**
 * Accept latency of `POST /v1/documents`: closed-loop clients, each its own
 * teacher, each sending its next upload as soon as the last one is answered.
 * Every file is a distinct valid PDF (the same PDF with its own comment line
 * after %%EOF), so the per-owner dedupe never short-circuits, and uploads
 * say `generate=false`: the request path is what is measured (auth, rate
 * limit, body to R2 with its hash, one D1 batch, one queue send).
 */
import { uniquePdf, uploadPdf } from "../test/e2e/studyhall-client.ts";
import type { Teacher } from "./teacher-accounts.ts";

export interface UploadLatency {
  requests: number;
  accepted: number;
  /** Count by status code (or "connection error"), for anything but 202. */
  others: Record<string, number>;
  /** Latencies of the accepted (202) uploads. */
  latenciesMs: number[];
  wallMs: number;
}

/**
 * `perClient` uploads from each teacher, all teachers at once.
 *
 * @example
 * const result = await measureUploads(url, teachers, pdfBytes, 5);
 */
export async function measureUploads(
  base: string,
  teachers: readonly Teacher[],
  pdf: Uint8Array,
  perClient: number,
): Promise<UploadLatency> {
  const result: UploadLatency = { requests: 0, accepted: 0, others: {}, latenciesMs: [], wallMs: 0 };
  const started = performance.now();
  await Promise.all(
    teachers.map(async (teacher, client) => {
      for (let i = 0; i < perClient; i++) {
        const bytes = uniquePdf(pdf, `bench ${client}-${i}-${started}`);
        const sent = performance.now();
        result.requests++;
        let status: string;
        try {
          const response = await uploadPdf(
            base,
            teacher.token,
            bytes,
            `?generate=false&title=${encodeURIComponent(`bench ${client}-${i}`)}`,
          );
          await response.arrayBuffer();
          status = String(response.status);
        } catch {
          // A dropped connection is a result to report, not a reason to lose the others.
          status = "connection error";
        }
        if (status === "202") {
          result.accepted++;
          result.latenciesMs.push(performance.now() - sent);
        } else {
          result.others[status] = (result.others[status] ?? 0) + 1;
        }
      }
    }),
  );
  result.wallMs = performance.now() - started;
  return result;
}
