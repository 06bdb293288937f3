/**
 * `GET /v1/jobs/{id}/events`: a job's progress as Server-Sent Events. A
 * subscriber first gets the current state, then every change until the job
 * ends. It reads the job row, which consumers update at each progress step.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { jobs } from "@studyhall/db";
import { currentUser } from "../middleware/auth";
import { jobView } from "./job-views";
import { visibleJob } from "./jobs";
import { bearer, idParam, newRouter, pick } from "./openapi";

const POLL_MS = 500;
const MAX_STREAM_MS = 10 * 60 * 1000;
const FINISHED = new Set(["completed", "failed", "cancelled"]);

export const jobEventRoutes = newRouter().openapi(
  createRoute({
    method: "get",
    path: "/{id}/events",
    tags: ["jobs"],
    security: bearer,
    summary: "Follow a job's progress live (text/event-stream): the current state first, then each change",
    request: { params: idParam },
    responses: { 200: { description: "An event stream of `progress` events (the job as JSON), ending with `end`", content: { "text/event-stream": { schema: z.string() } } }, ...pick(401, 404, 429) },
  }),
  async (c) => {
    const db = c.get("db");
    const first = await visibleJob(db, currentUser(c), c.req.valid("param").id);
    const encoder = new TextEncoder();
    const signal = c.req.raw.signal;
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        const send = (event: string, data: unknown, id?: string) =>
          controller.enqueue(encoder.encode(`${id ? `id: ${id}\n` : ""}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
        let job = first;
        let last = "";
        const started = Date.now();
        controller.enqueue(encoder.encode(`retry: 2000\n\n`));
        while (!signal.aborted) {
          const view = jobView(job);
          const fingerprint = `${view.status}|${view.progress}|${view.stage}|${view.attempts}`;
          if (fingerprint !== last) {
            send("progress", view, `${job.updatedAt.getTime()}`);
            last = fingerprint;
          }
          if (FINISHED.has(job.status) || Date.now() - started > MAX_STREAM_MS) break;
          await new Promise((r) => setTimeout(r, POLL_MS));
          const next = await db.query.jobs.findFirst({ where: eq(jobs.id, job.id) });
          if (!next) break;
          job = next;
        }
        send("end", { status: job.status });
        controller.close();
      },
    });
    return new Response(stream, {
      headers: { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store", "X-Accel-Buffering": "no" },
    });
  },
);
