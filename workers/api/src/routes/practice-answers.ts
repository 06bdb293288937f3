/**
 * Practising the bank: answering a question (right or wrong, with the
 * explanation and the passage it comes from, recorded for the week's
 * trending list), and the organisation's most practised questions this week,
 * served from KV with a short lifetime and recomputed on a miss. The cached
 * list holds no answers, so it is safe to show anyone in the organisation.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { notFound, ProblemError } from "@studyhall/core";
import { type Db, difficulties, practiceEvents, practiceQuestions } from "@studyhall/db";
import { and, count, desc, eq, gte, inArray, sum } from "drizzle-orm";
import { currentUser, requireRole } from "../middleware/auth.ts";
import { bearer, idParam, json, jsonBody, newRouter, pick } from "./openapi.ts";

/** KV keeps the list this long (KV's shortest expiry); clients may keep it as long. */
export const TRENDING_TTL_SECONDS = 60;
const WEEK_MS = 7 * 24 * 3600 * 1000;
const TRENDING_SIZE = 10;

export const trendingKey = (orgId: string) => `trending:${orgId}`;

const trendingSchema = z
  .object({
    since: z.string(),
    computedAt: z.string(),
    items: z.array(
      z.object({
        id: z.string(),
        topic: z.string(),
        difficulty: z.enum(difficulties),
        prompt: z.string(),
        choices: z.array(z.string()),
        tags: z.array(z.string()),
        practised: z.number().int(),
        correctRate: z.number(),
      }),
    ),
  })
  .openapi("TrendingQuestions");
type Trending = z.infer<typeof trendingSchema>;

/** The week's most practised questions of an organisation, without answers. */
async function computeTrending(db: Db, orgId: string, now = Date.now()): Promise<Trending> {
  const since = new Date(now - WEEK_MS);
  const practised = count(practiceEvents.id);
  const counts = await db
    .select({ questionId: practiceEvents.questionId, practised, correct: sum(practiceEvents.correct) })
    .from(practiceEvents)
    .where(and(eq(practiceEvents.orgId, orgId), gte(practiceEvents.at, since)))
    .groupBy(practiceEvents.questionId)
    .orderBy(desc(practised))
    .limit(TRENDING_SIZE);
  const rows = counts.length
    ? await db
        .select()
        .from(practiceQuestions)
        .where(
          and(
            eq(practiceQuestions.orgId, orgId),
            inArray(
              practiceQuestions.id,
              counts.map((c) => c.questionId),
            ),
          ),
        )
    : [];
  const items = counts.flatMap((c) => {
    const q = rows.find((r) => r.id === c.questionId);
    if (!q) return [];
    const strings = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
    // Only what a question shows before it is answered: no answer, explanation or source passage.
    return [
      {
        id: q.id,
        topic: q.topic,
        difficulty: q.difficulty,
        prompt: q.prompt,
        choices: strings(q.choices),
        tags: strings(q.tags),
        practised: c.practised,
        correctRate: c.practised ? Number(c.correct ?? 0) / c.practised : 0,
      },
    ];
  });
  return { since: since.toISOString(), computedAt: new Date(now).toISOString(), items };
}

const practiceResult = z
  .object({
    questionId: z.string(),
    choice: z.number().int(),
    correct: z.boolean(),
    answer: z.number().int(),
    explanation: z.string(),
    sourcePassage: z.string().nullable(),
  })
  .openapi("PracticeResult");

export const practiceAnswerRoutes = newRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/trending",
      tags: ["practice"],
      security: bearer,
      summary: "The organisation's most practised questions this week (cached for a minute; no answers)",
      responses: { 200: json(trendingSchema, "Most practised first"), ...pick(401, 429) },
    }),
    async (c) => {
      const me = currentUser(c);
      const key = trendingKey(me.orgId);
      // KV is a boundary too: a list that does not parse (an older shape) is recomputed.
      const cached = trendingSchema.safeParse(await c.env.LESSONS.get(key, "json"));
      let trending = cached.success ? cached.data : null;
      const hit = trending !== null;
      if (!trending) {
        trending = await computeTrending(c.get("db"), me.orgId);
        c.executionCtx.waitUntil(c.env.LESSONS.put(key, JSON.stringify(trending), { expirationTtl: TRENDING_TTL_SECONDS }));
      }
      return c.json(trending, 200, {
        "Cache-Control": `private, max-age=${TRENDING_TTL_SECONDS}`,
        Vary: "Authorization",
        "X-Cache": hit ? "HIT" : "MISS",
      });
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/practice",
      tags: ["practice"],
      security: bearer,
      // Practice is recorded (trending, what a student may see); the read-only operator records nothing.
      middleware: [requireRole("admin", "teacher", "student")] as const,
      summary: "Answer a question: right or wrong, with the explanation and source passage (any member but an operator)",
      request: { params: idParam, body: jsonBody(z.object({ choice: z.number().int().min(0).max(25) }).openapi("PracticeAnswer")) },
      responses: { 200: json(practiceResult, "The outcome"), ...pick(400, 401, 403, 404, 429) },
    }),
    async (c) => {
      const db = c.get("db");
      const me = currentUser(c);
      const question = await db.query.practiceQuestions.findFirst({
        where: and(eq(practiceQuestions.id, c.req.valid("param").id), eq(practiceQuestions.orgId, me.orgId)),
      });
      if (!question) throw notFound("question");
      const { choice } = c.req.valid("json");
      const choices = Array.isArray(question.choices) ? question.choices : [];
      if (choice >= choices.length) {
        throw new ProblemError("validation-failed", {
          detail: `The question has ${choices.length} choices, numbered from 0.`,
          extensions: { invalidParams: [{ name: "choice", reason: `must be below ${choices.length}` }] },
        });
      }
      const answer = Number(question.answer);
      const correct = choice === answer;
      await db.insert(practiceEvents).values({ orgId: me.orgId, questionId: question.id, userId: me.id, correct });
      return c.json(
        { questionId: question.id, choice, correct, answer, explanation: question.explanation, sourcePassage: question.sourcePassage },
        200,
      );
    },
  );
