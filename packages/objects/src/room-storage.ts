/**
 * A session room's SQLite storage: its metadata and sequence counter, its
 * messages, the sequenced notices (presence, deletions, mutes) a reconnecting
 * client must also be sent, mutes, and tutor answers still being streamed.
 * Everything the room needs lives here (or in socket attachments), so an
 * evicted or hibernated room carries on exactly where it was.
 */
import type { Citation, MessageAuthor, RoomMessage, ServerFrame } from "@studyhall/core";

export interface RoomMeta {
  sessionId: string;
  orgId: string;
  kind: "study-room" | "tutoring";
  courseId: string | null;
  createdBy: string;
  studentId: string | null;
  title: string;
  status: "open" | "closed";
  lastSeq: number;
}

type Row = Record<string, SqlStorageValue>;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS room (
  id INTEGER PRIMARY KEY CHECK (id = 1), session_id TEXT NOT NULL, org_id TEXT NOT NULL, kind TEXT NOT NULL,
  course_id TEXT, created_by TEXT NOT NULL, student_id TEXT, title TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'open', last_seq INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
  seq INTEGER PRIMARY KEY, type TEXT NOT NULL, author_id TEXT NOT NULL, author_name TEXT NOT NULL, author_role TEXT NOT NULL,
  text TEXT NOT NULL, at INTEGER NOT NULL, citations TEXT, reply_to_seq INTEGER, stream_id TEXT UNIQUE, deleted_at INTEGER);
CREATE TABLE IF NOT EXISTS notices (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, frame TEXT NOT NULL, target_seq INTEGER, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS notices_kind_at ON notices (kind, at);
CREATE TABLE IF NOT EXISTS tickets (hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL, expires_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS tickets_expiry ON tickets (expires_at);
CREATE TABLE IF NOT EXISTS mutes (user_id TEXT PRIMARY KEY, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS streams (stream_id TEXT PRIMARY KEY, text TEXT NOT NULL, reply_to_seq INTEGER, updated_at INTEGER NOT NULL);
`;

/** A sequenced frame other than a message; stored so resuming clients get it too. */
export type Notice = Extract<ServerFrame, { type: "presence" | "deleted" | "muted" }>;
/** A notice before the room numbered it. */
export type NoticeInput = Notice extends infer N ? (N extends Notice ? Omit<N, "seq"> : never) : never;

function toMessage(row: Row): RoomMessage {
  const message: RoomMessage = {
    seq: Number(row.seq),
    type: row.type as RoomMessage["type"],
    author: { id: String(row.author_id), name: String(row.author_name), role: String(row.author_role) },
    text: String(row.text),
    at: Number(row.at),
  };
  if (row.citations) message.citations = JSON.parse(String(row.citations)) as Citation[];
  if (row.reply_to_seq !== null && row.reply_to_seq !== undefined) message.replyToSeq = Number(row.reply_to_seq);
  return message;
}

export class RoomStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
  }

  meta(): RoomMeta | null {
    const row = this.sql.exec("SELECT * FROM room WHERE id = 1").toArray()[0];
    if (!row) return null;
    return {
      sessionId: String(row.session_id),
      orgId: String(row.org_id),
      kind: row.kind as RoomMeta["kind"],
      courseId: row.course_id === null ? null : String(row.course_id),
      createdBy: String(row.created_by),
      studentId: row.student_id === null ? null : String(row.student_id),
      title: String(row.title),
      status: row.status as RoomMeta["status"],
      lastSeq: Number(row.last_seq),
    };
  }

  /** Writes the metadata once; a repeated call keeps the first. */
  init(meta: Omit<RoomMeta, "status" | "lastSeq">, now: number): void {
    this.sql.exec(
      "INSERT OR IGNORE INTO room (id, session_id, org_id, kind, course_id, created_by, student_id, title, created_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)",
      meta.sessionId,
      meta.orgId,
      meta.kind,
      meta.courseId,
      meta.createdBy,
      meta.studentId,
      meta.title,
      now,
    );
  }

  close(): void {
    this.sql.exec("UPDATE room SET status = 'closed' WHERE id = 1");
    this.sql.exec("DELETE FROM tickets");
  }

  /** The next number of the room's one sequence. */
  private nextSeq(): number {
    return Number(this.sql.exec("UPDATE room SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq").one().last_seq);
  }

  addMessage(
    input: {
      type: RoomMessage["type"];
      author: MessageAuthor;
      text: string;
      citations?: Citation[];
      replyToSeq?: number;
      streamId?: string;
    },
    now: number,
  ): RoomMessage {
    const seq = this.nextSeq();
    this.sql.exec(
      "INSERT INTO messages (seq, type, author_id, author_name, author_role, text, at, citations, reply_to_seq, stream_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      seq,
      input.type,
      input.author.id,
      input.author.name,
      input.author.role,
      input.text,
      now,
      input.citations?.length ? JSON.stringify(input.citations) : null,
      input.replyToSeq ?? null,
      input.streamId ?? null,
    );
    return toMessage(this.sql.exec("SELECT * FROM messages WHERE seq = ?", seq).one());
  }

  addNotice(input: NoticeInput, now: number): Notice {
    const seq = this.nextSeq();
    const notice = { ...input, seq } as Notice;
    const target = notice.type === "deleted" ? notice.messageSeq : null;
    this.sql.exec(
      "INSERT INTO notices (seq, kind, frame, target_seq, at) VALUES (?, ?, ?, ?, ?)",
      seq,
      notice.type,
      JSON.stringify(notice),
      target,
      now,
    );
    return notice;
  }

  /**
   * Every sequenced frame after `lastSeq`, in order, as a client that saw up
   * to `lastSeq` must receive them: messages deleted since are left out, and a
   * deletion is only sent for a message the client could have seen.
   */
  framesAfter(lastSeq: number, limit: number): { frames: (RoomMessage | Notice)[]; truncated: boolean } {
    const messages = this.sql
      .exec("SELECT * FROM messages WHERE seq > ? AND deleted_at IS NULL ORDER BY seq LIMIT ?", lastSeq, limit + 1)
      .toArray()
      .map(toMessage);
    const notices = this.sql
      .exec(
        "SELECT frame FROM notices WHERE seq > ? AND (target_seq IS NULL OR target_seq <= ?) ORDER BY seq LIMIT ?",
        lastSeq,
        lastSeq,
        limit + 1,
      )
      .toArray()
      .map((row) => JSON.parse(String(row.frame)) as Notice);
    const frames = [...messages, ...notices].sort((a, b) => a.seq - b.seq);
    return { frames: frames.slice(0, limit), truncated: frames.length > limit };
  }

  /** Messages with seq below `before` (newest page first), returned in ascending order. */
  history(before: number | undefined, limit: number): { messages: RoomMessage[]; nextBefore: number | null } {
    const rows = this.sql
      .exec(
        "SELECT * FROM messages WHERE deleted_at IS NULL AND seq < ? ORDER BY seq DESC LIMIT ?",
        before ?? Number.MAX_SAFE_INTEGER,
        limit + 1,
      )
      .toArray();
    const page = rows.slice(0, limit).map(toMessage).reverse();
    return { messages: page, nextBefore: rows.length > limit ? (page[0]?.seq ?? null) : null };
  }

  transcript(): RoomMessage[] {
    return this.sql
      .exec("SELECT * FROM messages WHERE deleted_at IS NULL AND type IN ('chat', 'tutor') ORDER BY seq")
      .toArray()
      .map(toMessage);
  }

  /** Removes a message's text for good; false if there is no such live message. */
  deleteMessage(seq: number, now: number): boolean {
    return (
      this.sql
        .exec(
          "UPDATE messages SET deleted_at = ?, text = '', citations = NULL WHERE seq = ? AND deleted_at IS NULL RETURNING seq",
          now,
          seq,
        )
        .toArray().length > 0
    );
  }

  isMuted(userId: string): boolean {
    return this.sql.exec("SELECT 1 FROM mutes WHERE user_id = ?", userId).toArray().length > 0;
  }

  /** Returns whether anything changed. */
  setMuted(userId: string, muted: boolean, now: number): boolean {
    const cursor = muted
      ? this.sql.exec("INSERT OR IGNORE INTO mutes (user_id, at) VALUES (?, ?)", userId, now)
      : this.sql.exec("DELETE FROM mutes WHERE user_id = ?", userId);
    return cursor.rowsWritten > 0;
  }

  /** The seq of the finished message of a tutor stream, if it is finished. */
  streamMessageSeq(streamId: string): number | null {
    const row = this.sql.exec("SELECT seq FROM messages WHERE stream_id = ?", streamId).toArray()[0];
    return row ? Number(row.seq) : null;
  }

  /** Appends a piece to a stream and returns everything written so far. */
  appendStream(streamId: string, piece: string, replyToSeq: number | undefined, now: number): string {
    const row = this.sql
      .exec(
        "INSERT INTO streams (stream_id, text, reply_to_seq, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (stream_id) DO UPDATE SET text = text || excluded.text, updated_at = excluded.updated_at RETURNING text",
        streamId,
        piece,
        replyToSeq ?? null,
        now,
      )
      .one();
    return String(row.text);
  }

  /** Ends a stream: its text so far, and the question it answers. */
  takeStream(streamId: string): { text: string; replyToSeq: number | null } | null {
    const row = this.sql.exec("DELETE FROM streams WHERE stream_id = ? RETURNING text, reply_to_seq", streamId).toArray()[0];
    return row ? { text: String(row.text), replyToSeq: row.reply_to_seq === null ? null : Number(row.reply_to_seq) } : null;
  }

  /**
   * Drops what is older than `before` and no longer needed: presence notices (a
   * client resuming from that far back learns who is here from its welcome) and
   * tutor streams whose writer never finished.
   */
  prune(before: number): void {
    this.sql.exec("DELETE FROM notices WHERE kind = 'presence' AND at < ?", before);
    this.sql.exec("DELETE FROM streams WHERE updated_at < ?", before);
  }
}
