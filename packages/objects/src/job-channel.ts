/**
 * One job's live channel (`JOB_CHANNEL.getByName(jobId)`): consumers publish
 * each committed change here, and it fans them out to WebSocket subscribers
 * (through the Hibernation API, so a quiet watcher costs nothing) and to
 * Server-Sent Events subscribers (open streams, held in memory while they
 * last). Every subscriber first gets the current state; once the job has
 * finished, its streams get the last state, then `end`, and close.
 *
 * The job row in D1 stays the truth. While someone watches, each update is
 * answered by reading the row, so subscribers see exactly what a poll of
 * `GET /v1/jobs/{id}` would; nobody watching, the update alone moves the
 * kept state on. The API seeds the channel with the row it just read when it
 * forwards a subscription, and the newer of the two always wins. A watched
 * job's row is also read every few seconds by an alarm, for the changes that
 * come without a publish (a queued job cancelled, a dead-lettered one).
 */
import { DurableObject } from "cloudflare:workers";
import {
  finishedJobStatuses,
  type JobChannelFrame,
  type JobProgressUpdate,
  type JobSnapshot,
  jobChannelClientFrameSchema,
  jobProgressUpdateSchema,
  jobSnapshotSchema,
} from "@studyhall/core";
import { patchJobSnapshot, readJobSnapshot, withDb } from "@studyhall/db";
import { z } from "zod";
import { acceptSocket, EventStreams, toSockets } from "./job-subscribers.ts";

/** The header that carries the API's seed (a `JobSnapshot` as JSON) on a forwarded subscription. */
export const JOB_SEED_HEADER = "X-Job-Seed";
const TICKET_TTL_MS = 30_000;
/** A finished job's state is kept this long for late subscribers; after that the API's seed from the row serves them. */
const RETAIN_MS = 60 * 60_000;
/** While watched, an unfinished job's row is read this often, in case a change came without a publish. */
const RECHECK_MS = 15_000;

const issueTicketInput = z.object({
  userId: z.string().min(1).max(64),
  ttlMs: z.number().int().min(1000).max(120_000).optional(),
  /** The row as the API read it while checking access, so the channel has a state before anything was published. */
  seed: jobSnapshotSchema.optional(),
});
export type IssueJobTicketInput = z.input<typeof issueTicketInput>;

const storedTicket = z.object({ userId: z.string(), expiresAt: z.number() });

const refuse = (status: number, detail: string) => Response.json({ detail }, { status });

export class JobChannel extends DurableObject {
  private readonly streams = new EventStreams();

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    // Keep-alive pings are answered without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  /** A consumer's update: keep it and tell every subscriber. */
  async publish(update: JobProgressUpdate): Promise<void> {
    const parsed = jobProgressUpdateSchema.parse(update);
    if (!this.isFor(parsed.jobId)) throw new Error(`this channel belongs to job ${this.ctx.storage.kv.get<string>("jobId")}`);
    // One change at a time, and never between a subscriber's first state and its joining the fan-out.
    await this.ctx.blockConcurrencyWhile(async () => {
      const current = this.current();
      // Nobody watching: the update alone moves the state on, marked stale so the next subscriber reads the row.
      if (current && !this.watching()) return this.replace(patchJobSnapshot(current, parsed), true);
      const read = await this.readRow(parsed.jobId);
      if (read) await this.replace(read, false);
      else if (current) await this.replace(patchJobSnapshot(current, parsed), true);
    });
  }

  /** A single-use ticket to open `/ws` or `/events` of this job without a header (browsers cannot send one). */
  async issueTicket(input: IssueJobTicketInput): Promise<{ ticket: string; expiresAt: number }> {
    const { userId, ttlMs, seed } = issueTicketInput.parse(input);
    if (seed && !this.isFor(seed.view.id)) throw new Error("the seed is another job's");
    if (seed) await this.ctx.blockConcurrencyWhile(() => this.refresh(seed));
    const bytes = crypto.getRandomValues(new Uint8Array(24));
    const ticket = btoa(String.fromCharCode(...bytes))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
    const expiresAt = Date.now() + (ttlMs ?? TICKET_TTL_MS);
    this.ctx.storage.kv.put(`ticket:${ticket}`, { userId, expiresAt });
    await this.wakeAt(expiresAt + 1000);
    return { ticket, expiresAt };
  }

  /** The state a new subscriber would get first, if any. */
  async snapshot(): Promise<JobSnapshot | null> {
    return this.current() ?? null;
  }

  /**
   * A subscription forwarded by the API: `/ws` (a WebSocket upgrade) or
   * `/events` (SSE), authorised either by a `?ticket=` this object issued or
   * by the API itself, which then sends its seed in `X-Job-Seed`.
   */
  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const kind = url.pathname.endsWith("/ws") ? "ws" : url.pathname.endsWith("/events") ? "events" : undefined;
    if (!kind) return refuse(404, "No such subscription.");
    const ticket = url.searchParams.get("ticket");
    const holder = ticket === null ? null : this.redeem(ticket);
    if (ticket !== null ? holder === null : kind === "ws") return refuse(401, "The ticket is unknown, expired or already used.");
    let seed: JobSnapshot | undefined;
    const header = request.headers.get(JOB_SEED_HEADER);
    if (header) {
      const parsed = jobSnapshotSchema.safeParse(safeJson(header));
      if (!parsed.success || !this.isFor(parsed.data.view.id)) return refuse(400, "The seed is not this job's snapshot.");
      seed = parsed.data;
    }
    if (kind === "ws" && request.headers.get("Upgrade")?.toLowerCase() !== "websocket") return refuse(426, "Expected a WebSocket upgrade.");
    // The first state and joining the fan-out happen together: no change can fall between them.
    return this.ctx.blockConcurrencyWhile(async () => {
      await this.refresh(seed);
      const snapshot = this.current();
      if (!snapshot) return refuse(404, "Nothing is known about this job yet.");
      const finished = finishedJobStatuses.has(snapshot.view.status);
      if (!finished) await this.wakeAt(Date.now() + RECHECK_MS);
      if (kind === "ws") return acceptSocket(this.ctx, snapshot.view, finished, holder ?? "");
      return this.streams.subscribe(snapshot.view, this.ctx.storage.kv.get<number>("version") ?? 0, finished);
    });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    let frame: unknown;
    try {
      frame = typeof message === "string" ? JSON.parse(message) : undefined;
    } catch {
      frame = undefined;
    }
    const reply: JobChannelFrame = jobChannelClientFrameSchema.safeParse(frame).success
      ? { type: "pong" }
      : { type: "error", detail: 'This channel only sends; the one frame it accepts is {"type":"ping"}.' };
    ws.send(JSON.stringify(reply));
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "closing");
    } catch {
      // Already closed: nothing left to tidy.
    }
  }

  /**
   * Forgets expired tickets, and a finished job's state once it has been kept
   * long enough. While someone watches an unfinished job it also reads the
   * row: a change made without a publish (a queued job cancelled by the API,
   * one failed by the dead-letter consumer, a publish that was lost) still
   * reaches them, and ends their stream.
   */
  override async alarm(): Promise<void> {
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [key, value] of this.ctx.storage.kv.list<unknown>({ prefix: "ticket:" })) {
      const ticket = storedTicket.safeParse(value);
      if (!ticket.success || ticket.data.expiresAt <= now) this.ctx.storage.kv.delete(key);
      else next = Math.min(next, ticket.data.expiresAt + 1000);
    }
    const jobId = this.ctx.storage.kv.get<string>("jobId");
    if (this.watching() && jobId !== undefined && !this.finished()) {
      await this.ctx.blockConcurrencyWhile(async () => {
        const read = await this.readRow(jobId);
        if (read) await this.replace(read, false);
      });
      if (this.watching() && !this.finished()) next = Math.min(next, now + RECHECK_MS);
    }
    const retainUntil = this.ctx.storage.kv.get<number>("retainUntil");
    if (retainUntil !== undefined) {
      if (retainUntil <= now && !this.watching() && next === Number.POSITIVE_INFINITY) {
        await this.ctx.storage.deleteAll();
        return;
      }
      next = Math.min(next, Math.max(retainUntil, now + 60_000));
    }
    if (Number.isFinite(next)) await this.ctx.storage.setAlarm(next);
  }

  private finished(): boolean {
    const status = this.current()?.view.status;
    return status !== undefined && finishedJobStatuses.has(status);
  }

  private current(): JobSnapshot | undefined {
    return this.ctx.storage.kv.get<JobSnapshot>("snapshot");
  }

  private isFor(jobId: string): boolean {
    const owner = this.ctx.storage.kv.get<string>("jobId");
    if (owner === undefined) this.ctx.storage.kv.put("jobId", jobId);
    return owner === undefined || owner === jobId;
  }

  private watching(): boolean {
    return this.streams.size > 0 || this.ctx.getWebSockets().length > 0;
  }

  private async readRow(jobId: string): Promise<JobSnapshot | undefined> {
    try {
      return await withDb(this.env, (db) => readJobSnapshot(db, jobId));
    } catch (error) {
      // The update alone will do; the row is read again at the next one.
      console.error(JSON.stringify({ level: "error", msg: "job channel could not read the job row", jobId, error: String(error) }));
      return undefined;
    }
  }

  /**
   * Makes the kept state good enough for a new subscriber: a state read from
   * the row is, unless the API's seed is newer; a stale one (changes came in
   * unread) or none is read again, the seed standing in if D1 cannot answer.
   */
  private async refresh(seed?: JobSnapshot): Promise<void> {
    const current = this.current();
    const stale = this.ctx.storage.kv.get<boolean>("stale") === true;
    if (current && !stale) {
      if (seed && seed.updatedAt > current.updatedAt) await this.replace(seed, false);
      return;
    }
    // Nothing was ever published here: the seed, read just now, is the state.
    if (!current && seed) return this.replace(seed, false);
    const jobId = this.ctx.storage.kv.get<string>("jobId");
    const read = jobId === undefined ? undefined : await this.readRow(jobId);
    if (read) await this.replace(read, false);
    else if (seed && (!current || seed.updatedAt > current.updatedAt)) await this.replace(seed, true);
  }

  private async replace(next: JobSnapshot, stale: boolean): Promise<void> {
    const current = this.current();
    const changed = !current || JSON.stringify(current.view) !== JSON.stringify(next.view);
    this.ctx.storage.kv.put("snapshot", next);
    this.ctx.storage.kv.put("stale", stale);
    if (!changed) return;
    const version = (this.ctx.storage.kv.get<number>("version") ?? 0) + 1;
    this.ctx.storage.kv.put("version", version);
    const finished = finishedJobStatuses.has(next.view.status);
    if (finished) {
      this.ctx.storage.kv.put("retainUntil", Date.now() + RETAIN_MS);
      await this.wakeAt(Date.now() + RETAIN_MS);
    } else this.ctx.storage.kv.delete("retainUntil");
    toSockets(this.ctx, { type: "progress", job: next.view });
    this.streams.progress(next.view, version);
    if (finished) {
      toSockets(this.ctx, { type: "end", status: next.view.status }, true);
      this.streams.end(next.view.status);
    }
  }

  private async wakeAt(at: number): Promise<void> {
    const existing = await this.ctx.storage.getAlarm();
    if (existing === null || at < existing) await this.ctx.storage.setAlarm(at);
  }

  /** Spends a ticket: the user it was issued to, or null when it is unknown, used or expired. */
  private redeem(ticket: string): string | null {
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(ticket)) return null;
    const stored = storedTicket.safeParse(this.ctx.storage.kv.get(`ticket:${ticket}`));
    this.ctx.storage.kv.delete(`ticket:${ticket}`);
    return stored.success && stored.data.expiresAt > Date.now() ? stored.data.userId : null;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
