/**
 * What an upload accept costs on its response path, counted through the
 * bindings themselves (COUNT_BINDING_CALLS, as `npm run bench` counts it).
 * D1 is asked twice: the caller, and the one batch writing the document and
 * its job (which also finds a file the owner already has: see
 * upload-same-file.test.ts). On PostgreSQL the same work is five statements,
 * each a round trip: the caller, then BEGIN, the job, the document and
 * COMMIT. The note that the job was sent starts inside waitUntil, off the
 * response path. The answer is built from the rows the write returned, not
 * read back.
 */
import { env } from "cloudflare:test";
import { relationalStore } from "@studyhall/db";
import { describe, expect, it } from "vitest";
import {
  BINDING_CALLS_HEADER,
  COUNT_REQUEST_HEADER,
  DEFERRED_BINDING_CALLS_HEADER,
} from "../../workers/api/src/middleware/binding-calls.ts";
import { call, json, newMember, newOrg } from "../helpers/api.ts";
import { envWith, pdfBytes, uploadWith } from "./upload-fixtures.ts";

const PDF = { "Content-Type": "application/pdf", [COUNT_REQUEST_HEADER]: "1" };
const counting = envWith({ COUNT_BINDING_CALLS: "1" });

function calls(response: Response, name = BINDING_CALLS_HEADER): Record<string, number> {
  const header = response.headers.get(name) ?? "";
  return Object.fromEntries(header.split(",").map((pair) => [pair.split("=")[0], Number(pair.split("=")[1])]));
}

describe("an upload accept's binding calls", () => {
  const onPostgres = relationalStore(env) === "postgres";

  it("asks the store for the caller and one write, one queue send and one R2 put, and answers with the document as stored", async () => {
    const teacher = await newMember(await newOrg(), "teacher");
    // The first request of a caller also leases their API permits; the second shows the steady state.
    await uploadWith(counting, teacher, pdfBytes(50_000), PDF, "?generate=false");
    const response = await uploadWith(counting, teacher, pdfBytes(60_000), PDF, "?generate=false");
    expect(response.status).toBe(202);
    expect(calls(response)).toMatchObject(onPostgres ? { d1: 0, pg: 5, queue: 1, r2: 1 } : { d1: 2, pg: 0, queue: 1, r2: 1 });
    expect(calls(response, DEFERRED_BINDING_CALLS_HEADER)).toMatchObject(onPostgres ? { d1: 0, pg: 1 } : { d1: 1, pg: 0 });

    const accepted = await json(response);
    const stored = await json(await call(`/v1/documents/${accepted.document.id}`, { token: teacher.token }));
    expect(stored).toMatchObject(accepted.document);
  });
});
