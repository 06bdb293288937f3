/**
 * The same file uploaded again by its owner: found by the accept's own write
 * (the owner's unique (owner, sha256) index refuses a second document), then
 * answered with the document they have, 200 instead of 202, with no second
 * document, job or stored object, whether the uploads come one after another
 * or at the same moment, and whatever the owner's quota says.
 */

import { env } from "cloudflare:test";
import { chargeTokens } from "@studyhall/db";
import { describe, expect, it } from "vitest";
import { call, json } from "../helpers/api.ts";
import { testDb } from "../helpers/test-db.ts";
import { pdfBytes, rowsOf, storedKeys, teacher, uploadWith } from "./upload-fixtures.ts";

const PDF = { "Content-Type": "application/pdf" };

describe("the same file again", () => {
  it("is answered with the owner's document and its parse job, and nothing new is kept", async () => {
    const t = await teacher();
    const bytes = pdfBytes(70_000);
    const first = await uploadWith(env, t, bytes, PDF, "?generate=false");
    expect(first.status).toBe(202);
    const accepted = await json(first);

    const again = await uploadWith(env, t, bytes, PDF, "?generate=false");
    expect(again.status).toBe(200);
    const answer = await json(again);
    expect(answer.document.id).toBe(accepted.document.id);
    expect(answer.job.id).toBe(accepted.job.id);
    expect(await rowsOf(t)).toEqual({ documents: 1, jobs: 1 });
    expect(await storedKeys(t.orgId)).toHaveLength(1);
  });

  it("sent twice at the same moment, makes one document: one upload is accepted, the other answered with it", async () => {
    const t = await teacher();
    const bytes = pdfBytes(90_000);
    const answers = await Promise.all([0, 1].map(() => uploadWith(env, t, bytes, PDF, "?generate=false")));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 202]);
    const [a, b] = await Promise.all(answers.map(json));
    expect(a.document.id).toBe(b.document.id);
    expect(await rowsOf(t)).toEqual({ documents: 1, jobs: 1 });
    expect(await storedKeys(t.orgId)).toHaveLength(1);
  });

  it("is answered with the document even when the owner's quota has no room for the course it asks for", async () => {
    const t = await teacher();
    const bytes = pdfBytes(40_000);
    const accepted = await json(await uploadWith(env, t, bytes, PDF));
    // The month's tokens spent: a new course would be refused.
    await chargeTokens(testDb(), { orgId: t.orgId, userId: t.id, amount: 5_000_000 });
    const fresh = await uploadWith(env, t, pdfBytes(40_000), PDF);
    expect(fresh.status).toBe(429);

    const again = await uploadWith(env, t, bytes, PDF);
    expect(again.status).toBe(200);
    expect((await json(again)).document.id).toBe(accepted.document.id);
    expect((await json(await call("/v1/documents", { token: t.token }))).items).toHaveLength(1);
  });
});
