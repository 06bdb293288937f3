/**
 * Where a document's files live in R2. Keys are chosen by the server from ids,
 * never from a client's file name.
 */
import { type ParsedDocument, parsedDocumentSchema } from "@studyhall/core";
import { deleteUnder } from "./course-files.ts";

export const documentKeys = {
  prefix: (orgId: string, documentId: string) => `documents/${orgId}/${documentId}/`,
  source: (orgId: string, documentId: string) => `documents/${orgId}/${documentId}/source.pdf`,
  parsed: (orgId: string, documentId: string) => `documents/${orgId}/${documentId}/parsed.json`,
  text: (orgId: string, documentId: string) => `documents/${orgId}/${documentId}/text.txt`,
};

/** Stores a parse's result: the structured document, and its full text for people and search. */
export async function storeParsedDocument(bucket: R2Bucket, orgId: string, documentId: string, document: ParsedDocument): Promise<void> {
  await Promise.all([
    bucket.put(documentKeys.parsed(orgId, documentId), JSON.stringify(document), { httpMetadata: { contentType: "application/json" } }),
    bucket.put(documentKeys.text(orgId, documentId), document.pages.join("\n\n\f"), {
      httpMetadata: { contentType: "text/plain; charset=utf-8" },
    }),
  ]);
}

/** The parsed document, validated (R2 is a boundary too); undefined if it was never parsed. */
export async function loadParsedDocument(bucket: R2Bucket, orgId: string, documentId: string): Promise<ParsedDocument | undefined> {
  const object = await bucket.get(documentKeys.parsed(orgId, documentId));
  if (!object) return undefined;
  return parsedDocumentSchema.parse(await object.json());
}

/** Deletes every object of a document: the uploaded PDF and what its parse stored. */
export function deleteDocumentFiles(bucket: R2Bucket, orgId: string, documentId: string): Promise<number> {
  return deleteUnder(bucket, documentKeys.prefix(orgId, documentId));
}
