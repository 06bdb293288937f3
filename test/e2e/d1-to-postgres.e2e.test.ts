/**
 * Moving a deployment from D1 to PostgreSQL (scripts/d1-to-postgres.ts): a
 * D1 database (SQLite, with the D1 migrations applied, rows written through
 * drizzle and the D1 schema as the workers write them) moved into a real
 * PostgreSQL, then read back there: every row, and every value as it was,
 * times to the millisecond, JSON, flags, reals, empty strings and nulls.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { drizzle } from "drizzle-orm/sqlite-proxy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as d1 from "../../packages/db/src/schema/index.ts";
import { moveD1ToPostgres } from "../../scripts/d1-to-postgres.ts";
import { psql, startPostgres } from "../../scripts/postgres.ts";
import { freePort } from "./platform.ts";

const MIGRATIONS = new URL("../../migrations/", import.meta.url).pathname;

/** An SQLite database as D1 holds one: the D1 migrations applied in order. */
function d1Database(): DatabaseSync {
  const db = new DatabaseSync(":memory:");
  db.exec("pragma foreign_keys = on");
  for (const file of readdirSync(MIGRATIONS)
    .filter((f) => f.endsWith(".sql"))
    .sort())
    db.exec(readFileSync(join(MIGRATIONS, file), "utf8"));
  return db;
}

/** drizzle over node:sqlite, so rows are written with the workers' own schema and conversions. */
function drizzleOver(db: DatabaseSync) {
  return drizzle(
    async (sql, params, method) => {
      const statement = db.prepare(sql);
      if (method === "run") {
        statement.run(...(params as never[]));
        return { rows: [] };
      }
      statement.setReturnArrays(true);
      const rows = statement.all(...(params as never[])) as unknown as unknown[][];
      return { rows: method === "get" ? (rows[0] ?? []) : rows };
    },
    { schema: d1 },
  );
}

const createdAt = new Date("2026-11-30T08:15:42.123Z");
const finishedAt = new Date("2026-11-30T08:16:01.987Z");

let dir: string;
let pg: { url: string; stop(): void };
let source: DatabaseSync;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "studyhall-move-"));
  pg = startPostgres({ dir, port: await freePort() });
  source = d1Database();
  const db = drizzleOver(source);
  await db.insert(d1.organisations).values({ id: "org-1", name: "North School", createdAt });
  await db.insert(d1.users).values([
    { id: "u-1", orgId: "org-1", email: "teacher@north.test", name: "Ada", role: "teacher", createdAt, updatedAt: createdAt },
    { id: "u-2", orgId: "org-1", email: "student@north.test", name: "Bo", role: "student", createdAt, updatedAt: createdAt },
  ]);
  await db.insert(d1.documents).values({
    id: "doc-1",
    orgId: "org-1",
    ownerId: "u-1",
    title: 'Forces, "quoted", and commas',
    r2Key: "documents/org-1/doc-1.pdf",
    sha256: "ab".repeat(32),
    bytes: 1_048_576,
    status: "parsed",
    createdAt,
    updatedAt: finishedAt,
  });
  await db.insert(d1.jobs).values({
    id: "job-1",
    orgId: "org-1",
    ownerId: "u-1",
    kind: "parse-document",
    status: "completed",
    payload: { documentId: "doc-1", generateCourse: null },
    result: { sections: 12 },
    progress: 100,
    stage: "done",
    attempts: 1,
    idempotencyKey: "parse:doc-1",
    finishedAt,
    createdAt,
    updatedAt: finishedAt,
  });
  await db.insert(d1.jobEvents).values({ id: "ev-1", jobId: "job-1", type: "completed", attempt: 1, progress: 100, at: finishedAt });
  await db.insert(d1.laneControls).values({ scope: "org-1", lane: "low", paused: true, updatedBy: "u-1", updatedAt: finishedAt });
  await db.insert(d1.practiceQuestions).values({
    id: "pq-1",
    orgId: "org-1",
    ownerId: "u-1",
    documentId: "doc-1",
    topic: "Newton's laws",
    difficulty: "medium",
    prompt: "What does a net force do?",
    choices: ["accelerates", "nothing"],
    answer: 0,
    tags: ["mechanics", "year 9"],
    createdAt,
  });
});

afterAll(() => {
  pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const query = (sql: string) => psql(pg.url, ["-c", sql]).trim();

describe("moving a deployment from D1 to PostgreSQL", () => {
  it("moves every row of every table and reads back each value as D1 held it", () => {
    const { rows } = moveD1ToPostgres(source, pg.url);
    expect(rows).toMatchObject({
      organisations: 1,
      users: 2,
      documents: 1,
      jobs: 1,
      job_events: 1,
      lane_controls: 1,
      practice_questions: 1,
    });
    expect(query("select count(*) from users where org_id = 'org-1'")).toBe("2");

    // Times to the millisecond.
    expect(query("select (extract(epoch from created_at) * 1000)::bigint from documents")).toBe(String(createdAt.getTime()));
    expect(query("select (extract(epoch from finished_at) * 1000)::bigint from jobs")).toBe(String(finishedAt.getTime()));
    expect(query("select (extract(epoch from at) * 1000)::bigint from job_events")).toBe(String(finishedAt.getTime()));
    // Text with quotes and commas, JSON as JSON, flags as booleans, defaults kept.
    expect(query("select title from documents")).toBe('Forces, "quoted", and commas');
    expect(query("select payload ->> 'documentId', payload -> 'generateCourse' is not null, result ->> 'sections' from jobs")).toBe(
      "doc-1|t|12",
    );
    expect(query("select paused from lane_controls")).toBe("t");
    expect(query("select pinned, tags ->> 1, jsonb_array_length(choices), answer::text, explanation = '' from practice_questions")).toBe(
      "f|year 9|2|0|t",
    );
    // Nulls stay null, and an empty text stays an empty text.
    expect(query("select removed_at is null, password_hash is null from users where id = 'u-2'")).toBe("t|t");
    // The moved rows keep their constraints: the same file twice is still refused.
    expect(() =>
      query(
        `insert into documents (id, org_id, owner_id, title, r2_key, sha256, bytes, status, created_at, updated_at) select 'doc-2', org_id, owner_id, title, 'k', sha256, bytes, status, created_at, updated_at from documents where id = 'doc-1'`,
      ),
    ).toThrow(/documents_owner_sha_unique/);
  });

  it("refuses to move into a database that already holds rows", () => {
    expect(() => moveD1ToPostgres(source, pg.url)).toThrow(/already holds rows in .*organisations/);
    expect(query("select count(*) from organisations")).toBe("1");
  });
});
