/**
 * The floor's upload accept: the body streamed to R2 through a
 * FixedLengthStream while a DigestStream hashes it (SHA-256, as
 * workers/api/src/r2-upload.ts does for a body of known length), then one D1
 * insert and one queue send. No auth, no limits, no dedupe, no PDF check.
 */

const hex = (buffer: ArrayBuffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");

/** The floor's one table; created by `POST /floor/setup` before a run, never on the measured path. */
export async function ensureUploadsTable(db: D1Database): Promise<void> {
  await db.exec(
    "CREATE TABLE IF NOT EXISTS uploads (id TEXT PRIMARY KEY, r2_key TEXT NOT NULL, bytes INTEGER NOT NULL, sha256 TEXT NOT NULL)",
  );
}

export async function acceptUpload(request: Request, env: Env): Promise<Response> {
  const length = Number(request.headers.get("Content-Length"));
  if (!request.body || !Number.isSafeInteger(length) || length <= 0) return Response.json({ title: "length required" }, { status: 411 });
  const id = crypto.randomUUID();
  const key = `uploads/${id}.pdf`;
  const [toStore, toHash] = request.body.tee();
  const digest = new crypto.DigestStream("SHA-256");
  const fixed = new FixedLengthStream(length);
  const [, , hash] = await Promise.all([
    toStore.pipeTo(fixed.writable),
    env.FILES.put(key, fixed.readable, { httpMetadata: { contentType: "application/pdf" } }),
    toHash.pipeTo(digest).then(() => digest.digest),
  ]);
  const sha256 = hex(hash);
  await env.DB.prepare("INSERT INTO uploads (id, r2_key, bytes, sha256) VALUES (?, ?, ?, ?)").bind(id, key, length, sha256).run();
  await env.JOBS.send({ id, kind: "parse-document" });
  return Response.json({ id, sha256 }, { status: 202 });
}
