/**
 * One simulated student, as the web client would behave: a socket in the
 * class's study room for the whole run (coming back now and then with
 * `lastSeq`, as a tab does after sleeping, and after any drop), chatting at
 * its own pace with numbered messages, and meanwhile reading the course's
 * lessons (keeping each lesson's ETag, as a browser cache does) and taking
 * its quizzes: start an attempt, answer every question, submit.
 *
 * Sending is one message at a time (chat-ledger.ts says why): the next waits
 * until the room echoed the last one to this student's own socket or refused
 * it. Socket work (sending, reconnecting) runs in one loop, so a planned
 * reconnection never races a send.
 */
import { LiveSocket, type SessionFrame, sessionTicket } from "../../test/e2e/session-client.ts";
import { expectJson } from "../../test/e2e/studyhall-client.ts";
import type { Activity } from "./activity.ts";
import { ChatLedger } from "./chat-ledger.ts";
import type { SoakClass, Student } from "./classes.ts";
import { type Pace, wait } from "./pace.ts";

export interface StudentRates {
  /** Mean time between lesson reads. */
  readMs: number;
  /** Mean time between quiz attempts. */
  quizMs: number;
  /** Mean time between chat messages. */
  chatMs: number;
  /** Mean time between planned reconnections. */
  reconnectMs: number;
}

/** How long a sent message may take to come back before it is written down as unanswered. */
const ECHO_TIMEOUT_MS = 30_000;
/** A socket not yet back after this many tries has left the room for the ledger. */
const RECONNECT_TRIES = 5;

type Outcome = { kind: "echo"; seq: number } | { kind: "refused" } | { kind: "timeout" };

interface Attempt {
  id: string;
  questions: { id: string; choices: string[] }[];
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

export class SimStudent {
  private socket: LiveSocket | undefined;
  private joined = false;
  /** Sockets closed by the student itself: their close is not a drop. */
  private readonly dismissed = new WeakSet<LiveSocket>();
  private nextNumber = 1;
  private pending: { n: number; settle: (outcome: Outcome) => void } | undefined;
  private readonly etags = new Map<string, string>();
  private readonly base: string;
  private readonly cls: SoakClass;
  private readonly me: Student;
  private readonly ledger: ChatLedger;
  private readonly activity: Activity;
  private readonly pace: Pace;
  private readonly dropEvery: number;
  private chatFrames = 0;
  private readonly dropOffset: number;

  /** `dropEvery` > 0 throws away every so many chat frames on arrival, to show that the ledger finds each one. */
  constructor(base: string, cls: SoakClass, me: Student, ledger: ChatLedger, activity: Activity, pace: Pace, dropEvery = 0) {
    this.base = base;
    this.cls = cls;
    this.me = me;
    this.ledger = ledger;
    this.activity = activity;
    this.pace = pace;
    this.dropEvery = dropEvery;
    this.dropOffset = Number(me.key.replace(/\D/g, "")) || 0;
  }

  /** Opens the student's socket; resolves once its welcome arrived. */
  async connect(): Promise<void> {
    const { url } = await sessionTicket(this.base, this.me.token, this.cls.sessionId);
    const resume = this.joined ? `&lastSeq=${this.ledger.lastSeq(this.me.key)}` : "";
    const socket = await LiveSocket.open(url + resume, { keepFrames: false, onFrame: (frame) => this.onFrame(frame) });
    this.joined = true;
    this.socket = socket;
    // Only a close nobody asked for is a drop; the guard's length only has to outlast the run.
    socket
      .until(() => socket.closed, 24 * 3600_000)
      .then(() => this.onClosed(socket))
      .catch(() => undefined);
  }

  /** Runs until the pace stops: socket work in one loop, studying in another. */
  async run(rates: StudentRates): Promise<void> {
    await Promise.all([this.socketLoop(rates), this.studyLoop(rates)]);
  }

  async close(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    this.dismissed.add(socket);
    await socket.close();
  }

  private onFrame(frame: SessionFrame): void {
    // Every socket of a room gets the same frames in the same order: each drops at its own offset, so no message
    // is dropped everywhere (one nobody got has no known seq, and could only be counted once, not per socket).
    if (frame.type === "chat" && this.dropEvery > 0 && ++this.chatFrames % this.dropEvery === this.dropOffset % this.dropEvery) {
      this.ledger.dropped++;
      return;
    }
    if (frame.type === "welcome") this.ledger.joined(this.me.key, frame.lastSeq ?? 0);
    this.ledger.received(this.me.key, frame);
    if (frame.type === "error") {
      this.activity.errorFrame(frame.code ?? "unknown");
      // One message is in flight at a time, so a refusal is of that message.
      if (frame.code === "rate-limited") this.pending?.settle({ kind: "refused" });
    }
    if (frame.type === "chat" && this.pending) {
      const tag = ChatLedger.parse(frame.text);
      if (tag?.sender === this.me.key && tag.n === this.pending.n) this.pending.settle({ kind: "echo", seq: frame.seq ?? 0 });
    }
  }

  private onClosed(socket: LiveSocket): void {
    if (this.dismissed.has(socket) || socket !== this.socket || !this.pace.running) return;
    this.activity.drops++;
    void this.reconnect();
  }

  /** Comes back with lastSeq, trying a few times; after that the student has left the room. */
  private async reconnect(): Promise<boolean> {
    for (let attempt = 1; attempt <= RECONNECT_TRIES; attempt++) {
      try {
        await this.connect();
        return true;
      } catch (error) {
        this.activity.fail("reconnect", error);
        await wait(1000 * attempt);
      }
    }
    this.ledger.left(this.me.key);
    this.socket = undefined;
    return false;
  }

  private async socketLoop(rates: StudentRates): Promise<void> {
    let reconnectAt = Date.now() + rates.reconnectMs * (0.5 + Math.random());
    while (this.pace.running) {
      await this.pace.jittered(rates.chatMs);
      if (!this.pace.running) break;
      if (Date.now() >= reconnectAt && this.socket && !this.socket.closed) {
        reconnectAt = Date.now() + rates.reconnectMs * (0.5 + Math.random());
        await this.close();
        if (await this.reconnect()) this.activity.reconnects++;
        continue;
      }
      await this.sendChat();
    }
  }

  /** Sends the next numbered message and waits for the room's answer to it. */
  private async sendChat(): Promise<void> {
    const socket = this.socket;
    if (!socket || socket.closed) return;
    const n = this.nextNumber;
    const outcome = await new Promise<Outcome>((resolve) => {
      const timer = setTimeout(() => settle({ kind: "timeout" }), ECHO_TIMEOUT_MS);
      const settle = (o: Outcome) => {
        clearTimeout(timer);
        this.pending = undefined;
        resolve(o);
      };
      this.pending = { n, settle };
      socket.send({ type: "chat", text: ChatLedger.text(this.me.key, n) });
    });
    this.activity.chatSent++;
    if (outcome.kind === "refused") {
      // The same number goes again next time, so accepted numbers stay contiguous.
      this.ledger.refused++;
      return;
    }
    if (outcome.kind === "echo") this.ledger.accept(this.me.key, n, outcome.seq);
    else this.ledger.unanswered(this.me.key, n);
    this.nextNumber++;
  }

  private async studyLoop(rates: StudentRates): Promise<void> {
    let quizAt = Date.now() + rates.quizMs * Math.random();
    while (this.pace.running) {
      await this.pace.jittered(rates.readMs);
      if (!this.pace.running) break;
      if (Date.now() >= quizAt && this.cls.quizIds.length) {
        quizAt = Date.now() + rates.quizMs * (0.5 + Math.random());
        await this.takeQuiz(pick(this.cls.quizIds)).catch((error) => this.activity.fail("quiz", error));
      } else await this.readLesson(pick(this.cls.lessonIds)).catch((error) => this.activity.fail("lesson read", error));
    }
  }

  private async readLesson(lessonId: string): Promise<void> {
    const path = `/v1/courses/${this.cls.courseId}/lessons/${lessonId}${Math.random() < 0.5 ? "?format=html" : ""}`;
    const headers: Record<string, string> = { Authorization: `Bearer ${this.me.token}` };
    const etag = this.etags.get(path);
    if (etag) headers["If-None-Match"] = etag;
    const response = await fetch(`${this.base}${path}`, { headers });
    if (response.status === 304) {
      await response.arrayBuffer();
      this.activity.lessonNotModified++;
      this.activity.lessonReads++;
      return;
    }
    const lesson = await expectJson<{ id: string }>(response);
    if (lesson.id !== lessonId) throw new Error(`asked for lesson ${lessonId}, got ${lesson.id}`);
    const newTag = response.headers.get("ETag");
    if (newTag) this.etags.set(path, newTag);
    this.activity.lessonReads++;
  }

  private async takeQuiz(quizId: string): Promise<void> {
    const auth = { Authorization: `Bearer ${this.me.token}`, "Content-Type": "application/json" };
    const started = await fetch(`${this.base}/v1/quizzes/${quizId}/attempts`, { method: "POST", headers: auth });
    // 201 a new attempt, 200 the open one given back.
    const attempt = await expectJson<Attempt>(started, started.status === 200 ? 200 : 201);
    const answers = Object.fromEntries(
      attempt.questions.map((q) => [q.id, q.choices.length ? Math.floor(Math.random() * q.choices.length) : null]),
    );
    await expectJson(
      await fetch(`${this.base}/v1/attempts/${attempt.id}/answers`, { method: "PUT", headers: auth, body: JSON.stringify({ answers }) }),
    );
    const graded = await expectJson<{ status: string; score: number | null }>(
      await fetch(`${this.base}/v1/attempts/${attempt.id}/submit`, { method: "POST", headers: auth }),
    );
    if (graded.status !== "submitted" || graded.score === null)
      throw new Error(`submitted attempt is ${graded.status}, score ${graded.score}`);
    this.activity.quizzesSubmitted++;
  }
}
