/**
 * The job contract between the producers (the API, the session room, a parse
 * starting its course), which write a job row and send its id, and the
 * consumers, which claim the row and do the work: every kind of job and the
 * payload it carries, one schema per kind. Producers are typed by it, the
 * runner parses every stored payload with it before a handler sees one, and
 * the handler table must cover it, so a kind added here is a compile error
 * until every side handles it. The queue message carries only ids: the row in
 * D1 is the source of truth.
 */
import { z } from "zod";
import { lanes } from "./job-contract.ts";

/** Formats a course can be exported in. */
export const exportFormats = ["pdf", "markdown", "json"] as const;
export type ExportFormat = (typeof exportFormats)[number];
/** How hard a practice question is. */
export const difficulties = ["easy", "medium", "hard"] as const;
export type Difficulty = (typeof difficulties)[number];

const id = z.string().min(1).max(64);

/** The course an upload asked for, started by its parse once the text is known. */
const uploadCourseSchema = z.object({
  title: z.string().optional(),
  audience: z.string().optional(),
  moduleCount: z.number().int().optional(),
  lane: z.enum(lanes).default("normal"),
  /** The tokens the upload reserved for the course; handed to the course job when it is created. */
  reservationId: z.string().optional(),
});

/**
 * What `POST /v1/questions/generate` asks for and the `generate-questions` job receives: one schema, so the
 * request the API accepts is exactly what the job can run.
 */
export const generateQuestionsRequestSchema = z
  .object({
    count: z.number().int().min(1).max(50),
    difficulty: z.enum(difficulties),
    topic: z.string().trim().min(1).max(200).optional(),
    documentId: id.optional(),
    sectionIndex: z.number().int().min(0).optional(),
  })
  .refine((b) => b.topic !== undefined || b.documentId !== undefined, { message: "Give a topic, a documentId, or both.", path: ["topic"] })
  .refine((b) => b.sectionIndex === undefined || b.documentId !== undefined, {
    message: "A sectionIndex needs its documentId.",
    path: ["sectionIndex"],
  });

/** Every job kind and its payload's schema. */
export const jobPayloadSchemas = {
  "parse-document": z.object({ documentId: z.string(), generateCourse: uploadCourseSchema.nullable().default(null) }),
  "generate-course": z.object({
    courseId: z.string(),
    documentId: z.string(),
    title: z.string().nullable().optional(),
    audience: z.string().nullable().optional(),
    moduleCount: z.number().int().min(1).max(20).nullable().optional(),
  }),
  "regenerate-lesson": z.object({ courseId: z.string(), lessonId: z.string(), baseVersion: z.number().int() }),
  "generate-questions": generateQuestionsRequestSchema,
  "export-course": z.object({ exportId: z.string().min(1), courseId: z.string().min(1), format: z.enum(exportFormats) }),
  "tutor-answer": z.object({
    sessionId: id,
    orgId: id,
    courseId: id,
    question: z.string().min(1).max(4000),
    replyToSeq: z.number().int().positive(),
    askedBy: id,
  }),
  "session-report": z.object({ sessionId: id, orgId: id }),
} satisfies Record<string, z.ZodType>;

export type JobKind = keyof typeof jobPayloadSchemas;
export const jobKinds = Object.keys(jobPayloadSchemas) as [JobKind, ...JobKind[]];
/** A job's payload as its handler receives it (parsed: defaults filled in). */
export type JobPayload<K extends JobKind> = z.output<(typeof jobPayloadSchemas)[K]>;
/** A job's payload as a producer writes it. */
export type JobPayloadInput<K extends JobKind> = z.input<(typeof jobPayloadSchemas)[K]>;

/** A kind with its payload, one member per kind: `{ kind: "export-course", payload: { exportId, courseId, format } }`. */
export type JobSpec = { [K in JobKind]: { kind: K; payload: JobPayloadInput<K> } }[JobKind];

export const isJobKind = (kind: string): kind is JobKind => Object.hasOwn(jobPayloadSchemas, kind);

/**
 * A stored payload checked against its kind's schema.
 * @example parseJobPayload("export-course", row.payload) // { success: true, data: { exportId, courseId, format } }
 */
export function parseJobPayload<K extends JobKind>(kind: K, payload: unknown): z.ZodSafeParseResult<JobPayload<K>> {
  // TypeScript cannot narrow the record's value by a generic key; the schema at `kind` is the one whose output is JobPayload<K>.
  return jobPayloadSchemas[kind].safeParse(payload) as z.ZodSafeParseResult<JobPayload<K>>;
}

export const jobMessageSchema = z.object({
  jobId: id,
  kind: z.enum(jobKinds),
});
export type JobMessage = z.infer<typeof jobMessageSchema>;
