/**
 * An organisation keeps at least one admin even when its admins act at the
 * same moment: two admins who demote (or remove) each other concurrently
 * cannot both succeed, because the rule is decided inside the one UPDATE.
 */
import { describe, expect, it } from "vitest";
import { type Actor, call, json, newMember, newOrg } from "../helpers/api.ts";

async function twoAdmins(): Promise<[Actor, Actor]> {
  const first = await newOrg("mutual-admin");
  return [first, await newMember(first, "admin", "mutual-admin-2")];
}

async function activeAdmins(by: Actor): Promise<string[]> {
  const response = await call("/v1/orgs/members?role=admin", { token: by.token });
  return (await json(response)).items.map((m: { id: string }) => m.id);
}

describe.each([
  [
    "demote",
    (by: Actor, target: Actor) => call(`/v1/orgs/members/${target.id}`, { method: "PATCH", token: by.token, body: { role: "student" } }),
  ],
  ["remove", (by: Actor, target: Actor) => call(`/v1/orgs/members/${target.id}`, { method: "DELETE", token: by.token })],
] as const)("two admins who %s each other at the same moment", (_, act) => {
  it("exactly one succeeds and the organisation keeps one admin", async () => {
    // Several organisations at once, so the two requests of each really overlap with others in flight.
    const orgs = await Promise.all([1, 2, 3].map(() => twoAdmins()));
    const outcomes = await Promise.all(orgs.map(async ([a, b]) => Promise.all([act(a, b), act(b, a)])));
    for (const [index, responses] of outcomes.entries()) {
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s === 200 || s === 204)).toHaveLength(1);
      // The loser is refused by the rule (409) or, if the winner was first, already no admin (403) or gone (401).
      expect([401, 403, 409]).toContain(statuses.find((s) => s !== 200 && s !== 204));
      const [a, b] = orgs[index]!;
      const survivor = responses[0]!.status < 300 ? a : b;
      expect(await activeAdmins(survivor)).toEqual([survivor.id]);
    }
  });
});
