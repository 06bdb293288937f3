/**
 * The floor: what each benchmarked studyhall route cannot avoid doing, and
 * nothing else (no auth, no limits, no logging), so `npm run bench` can print
 * studyhall's figures as a ratio to the bare cost of the same binding calls.
 *
 *   GET  /floor/lessons/{key}  one KV get of a seeded lesson entry
 *   PUT  /floor/lessons/{key}  seeds that entry (the bench copies a real lesson's body)
 *   POST /floor/uploads        body to R2 while hashing it, one D1 insert, one queue send
 *   GET  /floor/rooms/{name}/ws a WebSocket into a FloorRoom Durable Object
 */
import { acceptUpload, ensureUploadsTable } from "./upload.ts";

export { FloorRoom } from "./room.ts";

const LESSON = /^\/floor\/lessons\/([A-Za-z0-9:_-]{1,128})$/;
const ROOM = /^\/floor\/rooms\/([A-Za-z0-9_-]{1,64})\/ws$/;

async function route(request: Request, env: Env): Promise<Response> {
  const { pathname } = new URL(request.url);
  const lesson = LESSON.exec(pathname);
  if (lesson && request.method === "GET") {
    // The cached lesson is stored as the JSON the API answers with, so the floor sends it as it is.
    const body = await env.LESSONS.get(`lesson:${lesson[1]}`, "text");
    if (body === null) return Response.json({ title: "not seeded" }, { status: 404 });
    return new Response(body, { headers: { "Content-Type": "application/json" } });
  }
  if (lesson && request.method === "PUT") {
    await env.LESSONS.put(`lesson:${lesson[1]}`, await request.text());
    return new Response(null, { status: 204 });
  }
  if (pathname === "/floor/uploads" && request.method === "POST") return acceptUpload(request, env);
  if (pathname === "/floor/setup" && request.method === "POST") {
    await ensureUploadsTable(env.DB);
    return new Response(null, { status: 204 });
  }
  const room = ROOM.exec(pathname);
  if (room) return env.ROOM.getByName(room[1]!).fetch(request);
  if (pathname === "/floor/healthz") return new Response("ok");
  return Response.json({ title: "not found" }, { status: 404 });
}

export default {
  fetch: route,
  // Accepted messages are acknowledged and dropped: the floor measures the send, not a consumer.
  async queue(batch) {
    batch.ackAll();
  },
} satisfies ExportedHandler<Env>;
