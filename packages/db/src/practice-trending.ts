/**
 * The organisation's most practised questions this week. The list holds no
 * answers, so it is safe to show anyone in the organisation; the API keeps it
 * in KV for `TRENDING_TTL_SECONDS` under `trendingKey` and recomputes it on a
 * miss, and deleting a question drops the cached list.
 */

import type { Difficulty } from "@studyhall/core";
import { and, count, desc, eq, gte, inArray, sql } from "drizzle-orm";
import type { Db } from "./index.ts";
import { practiceEvents, practiceQuestions } from "./tables.ts";

/** KV keeps the list this long (KV's shortest expiry); clients may keep it as long. */
export const TRENDING_TTL_SECONDS = 60;
const WEEK_MS = 7 * 24 * 3600 * 1000;
const TRENDING_SIZE = 10;

export const trendingKey = (orgId: string) => `trending:${orgId}`;

/** A question as the trending list shows it: what it shows before it is answered, and how it went. */
export interface TrendingQuestion {
  id: string;
  topic: string;
  difficulty: Difficulty;
  prompt: string;
  choices: string[];
  tags: string[];
  practised: number;
  correctRate: number;
}

export interface Trending {
  since: string;
  computedAt: string;
  items: TrendingQuestion[];
}

/**
 * The week's most practised questions of an organisation, most practised first, without answers.
 * @example const trending = await computeTrending(db, me.orgId);
 */
export async function computeTrending(db: Db, orgId: string, now = Date.now()): Promise<Trending> {
  const since = new Date(now - WEEK_MS);
  const practised = count(practiceEvents.id);
  const counts = await db
    .select({ questionId: practiceEvents.questionId, practised, correct: count(sql`case when ${practiceEvents.correct} then 1 end`) })
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
