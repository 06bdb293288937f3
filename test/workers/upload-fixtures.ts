/** What the upload tests share: PDF-looking bytes, hand-built forms, endless bodies, and bindings that record or fail. */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { documents, jobs } from "@studyhall/db";
import { count, eq } from "drizzle-orm";
import api from "../../workers/api/src/index.ts";
import { type Actor, BASE, newMember, newOrg } from "../helpers/api.ts";
import { testDb } from "../helpers/test-db.ts";
import { withBindings } from "../helpers/with-bindings.ts";

export async function teacher(): Promise<Actor> {
  return newMember(await newOrg(), "teacher");
}

/** `size` bytes that start like a PDF, random after that (so no two uploads are duplicates). */
export function pdfBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let offset = 0; offset < size; offset += 65_536) crypto.getRandomValues(bytes.subarray(offset, Math.min(size, offset + 65_536)));
  bytes.set(new TextEncoder().encode("%PDF-1.7\n"));
  return bytes;
}

export async function sha256(bytes: Uint8Array | ArrayBuffer): Promise<string> {
  return Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** What the owner has in the relational store: documents and jobs. */
export async function rowsOf(owner: Pick<Actor, "id">): Promise<{ documents: number; jobs: number }> {
  const db = testDb();
  const [[d], [j]] = await Promise.all([
    db.select({ n: count() }).from(documents).where(eq(documents.ownerId, owner.id)),
    db.select({ n: count() }).from(jobs).where(eq(jobs.ownerId, owner.id)),
  ]);
  return { documents: d!.n, jobs: j!.n };
}

/** Every object R2 holds under the organisation's documents. */
export async function storedKeys(orgId: string): Promise<string[]> {
  return (await env.FILES.list({ prefix: `documents/${orgId}/` })).objects.map((o) => o.key);
}

/** A body handed out in `chunk`-sized pieces, with `bytes` first, never ending; `pulled` counts what the server read. */
export function endlessBody(first: Uint8Array, chunk = 64 * 1024) {
  const counter = { pulled: 0 };
  const filler = new Uint8Array(chunk).fill(0x41);
  let started = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = started ? filler : first;
      started = true;
      counter.pulled += next.length;
      controller.enqueue(next);
    },
  });
  return { stream, counter };
}

/** A body streamed in chunks with no Content-Length (chunked transfer), ending after `bytes`. */
export function chunked(bytes: Uint8Array, chunk = 256 * 1024): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}

export const BOUNDARY = "----uploadTestBoundary5f1c";

/** The framing of one form part, as a browser writes it. */
export function formPart(name: string, options: { filename?: string; type?: string } = {}): string {
  const disposition = `Content-Disposition: form-data; name="${name}"${options.filename ? `; filename="${options.filename}"` : ""}`;
  return `--${BOUNDARY}\r\n${disposition}\r\n${options.type ? `Content-Type: ${options.type}\r\n` : ""}\r\n`;
}

export function concat(...pieces: (string | Uint8Array)[]): Uint8Array {
  const parts = pieces.map((p) => (typeof p === "string" ? new TextEncoder().encode(p) : p));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** The test environment with some bindings or variables replaced, as a deployment would have them. */
export function envWith(replaced: Record<string, unknown>): ApiEnv {
  return withBindings(env as ApiEnv, replaced);
}

/** Calls the API worker's own fetch with that environment. */
export async function uploadWith(
  workerEnv: ApiEnv,
  actor: Actor,
  body: BodyInit,
  headers: Record<string, string>,
  query = "",
): Promise<Response> {
  const ctx = createExecutionContext();
  const request = new Request(`${BASE}/v1/documents${query}`, {
    method: "POST",
    body,
    headers: { Authorization: `Bearer ${actor.token}`, "CF-Connecting-IP": actor.ip, ...headers },
  });
  const response = await api.fetch(request, workerEnv, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** The real bucket, recording the multipart uploads made through it. */
export function recordingBucket() {
  const calls = { created: 0, parts: 0, completed: 0, aborted: 0 };
  const bucket = new Proxy(env.FILES, {
    get(target, property) {
      if (property === "createMultipartUpload") {
        return async (key: string, options?: R2MultipartOptions) => {
          calls.created++;
          const upload = await target.createMultipartUpload(key, options);
          return {
            key: upload.key,
            uploadId: upload.uploadId,
            uploadPart: (n: number, value: Uint8Array) => {
              calls.parts++;
              return upload.uploadPart(n, value);
            },
            complete: (parts: R2UploadedPart[]) => {
              calls.completed++;
              return upload.complete(parts);
            },
            abort: () => {
              calls.aborted++;
              return upload.abort();
            },
          };
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { bucket, calls };
}
