/**
 * What a job is expected to spend, from what D1 knows about it: the facts
 * (a document's text size, a question count) read here, the arithmetic in
 * core's token-estimates.ts. Used when a job is accepted again (a retry) and
 * may call the LLM.
 */

import { estimateTokens, parseJobPayload } from "@studyhall/core";
import { eq, sql } from "drizzle-orm";
import type { Db } from "./index.ts";
import type { Job } from "./tables.ts";
import { documentSections, documents } from "./tables.ts";

/** Characters of a parsed document's text, or its file's size before it is parsed (a stand-in the estimate accepts). */
export async function documentTextChars(db: Db, documentId: string): Promise<number> {
  const [row] = await db
    .select({ chars: sql<number>`coalesce(sum(length(${documentSections.text})), 0)`.mapWith(Number) })
    .from(documentSections)
    .where(eq(documentSections.documentId, documentId));
  const chars = Number(row?.chars ?? 0);
  if (chars > 0) return chars;
  const document = await db.query.documents.findFirst({ where: eq(documents.id, documentId), columns: { bytes: true } });
  return document?.bytes ?? 0;
}

/**
 * Tokens to reserve before running `job` again; null when it spends nothing.
 *
 * @example
 * const amount = await jobTokenEstimate(db, failedJob); // null for an export
 */
export async function jobTokenEstimate(db: Db, job: Pick<Job, "kind" | "payload">): Promise<number | null> {
  switch (job.kind) {
    case "export-course":
      return null;
    case "parse-document": {
      // A parse spends nothing itself; the course it starts does.
      const payload = parseJobPayload(job.kind, job.payload);
      const course = payload.success ? payload.data.generateCourse : null;
      if (!payload.success || !course) return null;
      return estimateTokens({
        kind: "generate-course",
        textChars: await documentTextChars(db, payload.data.documentId),
        moduleCount: course.moduleCount ?? null,
      });
    }
    case "generate-course": {
      const payload = parseJobPayload(job.kind, job.payload);
      const textChars = payload.success ? await documentTextChars(db, payload.data.documentId) : 0;
      return estimateTokens({
        kind: "generate-course",
        textChars,
        moduleCount: payload.success ? (payload.data.moduleCount ?? null) : null,
      });
    }
    case "regenerate-lesson":
      return estimateTokens({ kind: "regenerate-lesson" });
    case "generate-questions": {
      const payload = parseJobPayload(job.kind, job.payload);
      return estimateTokens({ kind: "generate-questions", count: payload.success ? payload.data.count : 50 });
    }
    case "tutor-answer":
      return estimateTokens({ kind: "tutor-answer" });
    case "session-report":
      return estimateTokens({ kind: "session-report" });
    default: {
      // Every kind of the contract is above (a new one does not compile until it is); a row of a kind no longer
      // in it might still spend: reserve as for the largest single request.
      job.kind satisfies never;
      return estimateTokens({ kind: "regenerate-lesson" });
    }
  }
}
