/**
 * Practising the bank: answering a question (right or wrong, with the
 * explanation and the passage it comes from, recorded for the week's
 * trending list), and the organisation's most practised questions this week,
 * served from KV with a short lifetime and recomputed on a miss. The cached
 * list holds no answers, so it is safe to show anyone in the organisation.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { answerQuestion, computeTrending, TRENDING_TTL_SECONDS, trendingKey } from "@studyhall/db";
import { currentUser, requireRole } from "../../middleware/auth.ts";
import { bearer, idParam, json, jsonBody, newRouter, pick } from "../openapi.ts";
import { practiceQuestionSchema } from "./practice-views.ts";

const trendingSchema = z
  .object({
    since: z.string(),
    computedAt: z.string(),
    // What a bank question shows before it is answered, and how it was practised this week.
    items: z.array(
      practiceQuestionSchema
        .pick({ id: true, topic: true, difficulty: true, prompt: true, choices: true, tags: true })
        .extend({ practised: z.number().int(), correctRate: z.number() }),
    ),
  })
  .openapi("TrendingQuestions");

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
      const { choice } = c.req.valid("json");
      return c.json(await answerQuestion(c.get("db"), currentUser(c), c.req.valid("param").id, choice), 200);
    },
  );
