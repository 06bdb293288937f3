/**
 * What the model must send back for each stage, and how its reply is read:
 * JSON (tolerating code fences and chatter around it), then zod. Anything
 * the model says about the document's structure (section numbers, answer
 * indexes) is checked against what it was actually given.
 */
import { courseOutlineSchema, generatedLessonSchema, generatedQuestionSchema } from "@studyhall/core";
import { z } from "zod";
import { replyJsonSchema } from "./strict-schema.ts";

export const lessonOutputSchema = generatedLessonSchema.pick({ title: true, bodyMd: true, keyTerms: true });

const questionOutputSchema = generatedQuestionSchema
  .omit({ kind: true })
  .refine((q) => q.answer < q.choices.length, { message: "answer must be the index of one of the choices", path: ["answer"] })
  .refine((q) => new Set(q.choices.map((c) => c.trim().toLowerCase())).size === q.choices.length, {
    message: "choices must be distinct",
    path: ["choices"],
  });

export const questionsOutputSchema = z.object({ questions: z.array(questionOutputSchema).min(1) });

export const answerOutputSchema = z.object({
  text: z.string().min(1),
  citations: z.array(z.object({ sectionIndex: z.number().int().min(0), quote: z.string().min(1) })),
});

/** The outline, with lessons allowed to cite only sections the model was shown. */
export function outlineOutputSchema(sectionIndexes: ReadonlySet<number>, moduleCount: number | undefined) {
  return courseOutlineSchema.superRefine((outline, ctx) => {
    if (moduleCount !== undefined && outline.modules.length !== moduleCount) {
      ctx.addIssue({ code: "custom", message: `expected exactly ${moduleCount} modules`, path: ["modules"] });
    }
    for (const [mi, m] of outline.modules.entries()) {
      for (const [li, l] of m.lessons.entries()) {
        for (const [si, index] of l.sectionIndexes.entries()) {
          if (!sectionIndexes.has(index)) {
            ctx.addIssue({
              code: "custom",
              message: `section ${index} does not exist`,
              path: ["modules", mi, "lessons", li, "sectionIndexes", si],
            });
          }
        }
      }
    }
  });
}

/** Answers may cite only the passages they were given. */
export function answerOutputFor(sectionIndexes: ReadonlySet<number>) {
  return answerOutputSchema.superRefine((answer, ctx) => {
    answer.citations.forEach((c, i) => {
      if (!sectionIndexes.has(c.sectionIndex)) {
        ctx.addIssue({
          code: "custom",
          message: `section ${c.sectionIndex} was not among the passages`,
          path: ["citations", i, "sectionIndex"],
        });
      }
    });
  });
}

/** The JSON Schema of a zod schema, compact, for the prompt (refinements are checked on our side). */
export function schemaForPrompt(schema: z.ZodType): string {
  return JSON.stringify(replyJsonSchema(schema));
}

/** Pulls the JSON object out of a reply that may be wrapped in a code fence or a sentence. */
function extractJson(content: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(content)?.[1];
  const text = (fenced ?? content).trim();
  try {
    return JSON.parse(text);
  } catch {
    const start = text.indexOf("{");
    const end = text.lastIndexOf("}");
    if (start >= 0 && end > start) return JSON.parse(text.slice(start, end + 1));
    throw new SyntaxError("the reply holds no JSON object");
  }
}

export type ReadResult<T> = { ok: true; value: T } | { ok: false; problems: string };

/**
 * Parses and validates a reply; on failure, `problems` is what the repair
 * request shows the model. `normalise` adjusts the parsed JSON before zod
 * reads it (structured output's nulls for optional fields).
 *
 * @example
 * readReply('{"text":"…","citations":[]}', answerOutputSchema) // { ok: true, value: … }
 */
export function readReply<T>(content: string, schema: z.ZodType<T>, normalise: (json: unknown) => unknown = (json) => json): ReadResult<T> {
  let json: unknown;
  try {
    json = extractJson(content);
  } catch (error) {
    return { ok: false, problems: `The reply was not valid JSON (${error instanceof Error ? error.message : "unreadable"}).` };
  }
  const result = schema.safeParse(normalise(json));
  if (result.success) return { ok: true, value: result.data };
  const lines = result.error.issues.slice(0, 20).map((i) => `- ${i.path.length > 0 ? i.path.join(".") : "(root)"}: ${i.message}`);
  return { ok: false, problems: lines.join("\n") };
}
