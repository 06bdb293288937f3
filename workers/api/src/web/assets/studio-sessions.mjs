/**
 * Live sessions: the ones you may join (GET /v1/sessions), and one session's
 * chat. The history comes from GET /v1/sessions/{id}/messages; then a
 * single-use ticket (POST /v1/sessions/{id}/ticket) opens the WebSocket with
 * `lastSeq`, so the room sends exactly what came after. Frames follow
 * packages/core/src/session-protocol.ts; a message starting with @tutor is
 * answered by the AI tutor, streamed in as it is written. A dropped socket
 * reconnects with a new ticket and the last seq seen.
 */
import { ApiError, api } from "./api.mjs";
import { announce, badge, busy, errorText, field, find, formatClock, formatDate, h } from "./dom.mjs";

/** @typedef {import("./api-shapes.d.ts").RoomMessage} RoomMessage */
/** @typedef {import("./api-shapes.d.ts").ServerFrame} ServerFrame */

/** @param {import("./studio.mjs").Screen} screen */
export async function renderSessions({ signal }) {
  /** @type {import("./api-shapes.d.ts").SessionPage} */
  const { items } = await api("/v1/sessions?status=open&limit=100", { signal });
  return h(
    "div",
    {},
    h("h1", {}, "Sessions"),
    h(
      "p",
      { class: "hint" },
      "Study rooms open for your courses, and your tutoring sessions. Teachers open a study room from a course's page.",
    ),
    items.length
      ? h(
          "ul",
          { class: "list", "aria-label": "Open sessions" },
          items.map((s) =>
            h(
              "li",
              {},
              h("h2", {}, h("a", { href: `#/sessions/${s.id}` }, s.title)),
              h("p", { class: "meta" }, `${s.kind === "study-room" ? "Study room" : "Tutoring"} · opened ${formatDate(s.createdAt)}`),
            ),
          ),
        )
      : h("p", {}, "No open sessions."),
  );
}

/**
 * One message as a list item; the tutor's citations follow its text.
 * @param {RoomMessage} message
 * @param {boolean} canModerate
 * @param {string} sessionId
 */
function messageItem(message, canModerate, sessionId) {
  const item = h("li", { class: message.type, "data-seq": String(message.seq) });
  const text = h("span", { class: "text" }, message.deleted ? "(message deleted)" : message.text);
  item.append(
    h("span", { class: "who" }, message.type === "system" ? "" : `${message.author.name}: `),
    text,
    h("time", { datetime: new Date(message.at).toISOString() }, formatClock(message.at)),
  );
  if (message.citations?.length) {
    item.append(
      h(
        "ul",
        { class: "meta" },
        message.citations.map((c) => h("li", {}, `${c.title}${c.pageStart !== undefined ? `, p. ${c.pageStart}` : ""}: “${c.quote}”`)),
      ),
    );
  }
  if (canModerate && message.type === "chat" && !message.deleted) {
    const remove = h(
      "button",
      { type: "button", class: "secondary", "aria-label": `Delete the message from ${message.author.name}` },
      "Delete",
    );
    remove.addEventListener("click", () =>
      api(`/v1/sessions/${sessionId}/messages/${message.seq}`, { method: "DELETE" }).catch((e) => announce(errorText(e), { error: true })),
    );
    item.append(" ", remove);
  }
  return item;
}

/**
 * @param {HTMLElement} log
 * @param {number} seq
 */
function markDeleted(log, seq) {
  const item = log.querySelector(`li[data-seq="${Number(seq)}"]`);
  if (!item) return;
  item.classList.add("deleted");
  find(item, ".text", HTMLSpanElement).textContent = "(message deleted)";
  item.querySelector("button")?.remove();
}

/**
 * @param {import("./studio.mjs").Screen} screen
 * @param {string} sessionId
 */
export async function renderSession({ session: me, signal }, sessionId) {
  /** @type {[import("./api-shapes.d.ts").SessionRoom, import("./api-shapes.d.ts").SessionHistory]} */
  const [room, history] = await Promise.all([
    api(`/v1/sessions/${encodeURIComponent(sessionId)}`, { signal }),
    api(`/v1/sessions/${encodeURIComponent(sessionId)}/messages?limit=100`, { signal }),
  ]);
  const canModerate = me.user.role === "admin" || room.createdBy === me.user.id;
  const log = h("ol", { class: "chat-log", role: "log", "aria-live": "polite", "aria-label": "Messages" });
  const present = h("p", { id: "present", "aria-live": "polite" });
  const connection = h("p", { class: "meta", id: "connection" }, "Connecting…");
  /** @type {Map<string, HTMLLIElement>} tutor answers being written, by stream */
  const drafts = new Map();
  let lastSeq = 0;
  /** @param {RoomMessage} message */
  const add = (message) => {
    if (message.seq <= lastSeq && log.querySelector(`li[data-seq="${message.seq}"]`)) return;
    lastSeq = Math.max(lastSeq, message.seq);
    if (message.type === "tutor" && message.replyToSeq !== undefined) {
      for (const [streamId, draft] of drafts)
        if (draft.dataset.reply === String(message.replyToSeq)) {
          draft.remove();
          drafts.delete(streamId);
        }
    }
    log.append(messageItem(message, canModerate, room.id));
    log.scrollTop = log.scrollHeight;
  };
  const showPresent = (/** @type {{ name: string }[]} */ people) =>
    (present.textContent = `Here now: ${people.map((p) => p.name).join(", ") || "nobody"}`);
  for (const message of history.messages) add(message);
  showPresent(room.present);

  const input = h("input", { type: "text", name: "text", maxlength: "4000", autocomplete: "off", class: "wide" });
  const send = h("button", { type: "submit" }, "Send");
  const form = h(
    "form",
    { "aria-label": "Send a message" },
    field("Message", input, "Start with @tutor to ask the AI tutor about the course."),
    send,
  );
  /** @type {WebSocket | null} */
  let socket = null;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    if (socket?.readyState !== WebSocket.OPEN) return announce("Not connected yet; try again in a moment.", { error: true });
    socket.send(JSON.stringify({ type: "chat", text }));
    input.value = "";
    input.focus();
  });

  /** @param {ServerFrame} frame */
  const onFrame = (frame) => {
    switch (frame.type) {
      case "welcome":
        showPresent(frame.present);
        connection.textContent = `Connected as ${frame.you.name}.`;
        break;
      case "chat":
      case "tutor":
      case "system":
        add(frame);
        break;
      case "tutor-chunk": {
        let draft = drafts.get(frame.streamId);
        if (!draft) {
          draft = h(
            "li",
            { class: "tutor draft", "data-reply": String(frame.replyToSeq ?? ""), "aria-live": "off" },
            h("span", { class: "who" }, "Tutor (writing): "),
            h("span", { class: "text" }),
          );
          drafts.set(frame.streamId, draft);
          log.append(draft);
        }
        find(draft, ".text", HTMLSpanElement).textContent = frame.text;
        break;
      }
      case "presence":
        lastSeq = Math.max(lastSeq, frame.seq);
        showPresent(frame.present);
        break;
      case "deleted":
        lastSeq = Math.max(lastSeq, frame.seq);
        markDeleted(log, frame.messageSeq);
        break;
      case "muted":
        lastSeq = Math.max(lastSeq, frame.seq);
        if (frame.userId === me.user.id) announce(frame.muted ? "A moderator muted you." : "You can write again.", { error: frame.muted });
        break;
      case "error":
        announce(frame.message, { error: true });
        break;
    }
  };

  let attempts = 0;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let pinger;
  const connect = async () => {
    if (signal.aborted) return;
    try {
      /** @type {import("./api-shapes.d.ts").SessionTicket} */
      const { ticket } = await api(`/v1/sessions/${encodeURIComponent(room.id)}/ticket`, { method: "POST", signal });
      const url = new URL(`/v1/sessions/${encodeURIComponent(room.id)}/ws`, location.href);
      url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
      url.searchParams.set("ticket", ticket);
      url.searchParams.set("lastSeq", String(lastSeq));
      socket = new WebSocket(url);
      socket.addEventListener("open", () => {
        attempts = 0;
        pinger = setInterval(() => socket?.readyState === WebSocket.OPEN && socket.send('{"type":"ping"}'), 30_000);
      });
      socket.addEventListener("message", (event) => {
        /** @type {unknown} */
        let frame;
        try {
          frame = JSON.parse(event.data);
        } catch {
          return;
        }
        // The room's own frames (session-protocol.ts), trusted as it sends them; anything without a type is ignored.
        if (frame && typeof frame === "object" && "type" in frame && typeof frame.type === "string")
          onFrame(/** @type {ServerFrame} */ (frame));
      });
      socket.addEventListener("close", (event) => {
        clearInterval(pinger);
        if (signal.aborted) return;
        connection.textContent = "Disconnected. Reconnecting…";
        // The room closing on purpose (1000, 4403 access revoked, 4410 session closed; see session-protocol.ts): no point in coming back.
        if ((event.code === 1000 || event.code === 4403 || event.code === 4410) && event.reason) {
          connection.textContent = `Disconnected: ${event.reason}`;
          return;
        }
        setTimeout(connect, Math.min(10_000, 500 * 2 ** attempts++));
      });
    } catch (error) {
      if (signal.aborted) return;
      connection.textContent = `Not connected: ${errorText(error)}`;
      const status = error instanceof ApiError ? error.status : undefined;
      if (status !== 404 && status !== 409) setTimeout(connect, Math.min(10_000, 1000 * 2 ** attempts++));
    }
  };
  signal.addEventListener("abort", () => {
    clearInterval(pinger);
    socket?.close(1000, "left the page");
  });

  const closeButton = canModerate ? h("button", { type: "button", class: "danger" }, "Close the session") : null;
  closeButton?.addEventListener("click", () =>
    busy(closeButton, async () => {
      try {
        await api(`/v1/sessions/${room.id}/close`, { method: "POST" });
        announce("The session is closed.");
        location.hash = "#/sessions";
      } catch (error) {
        announce(errorText(error), { error: true });
      }
    }),
  );

  if (room.status === "open") connect();
  else connection.textContent = "This session is closed; its history stays.";
  return h(
    "div",
    {},
    h("p", { class: "meta" }, h("a", { href: "#/sessions" }, "All sessions")),
    h("h1", {}, room.title),
    h(
      "p",
      { class: "meta" },
      badge(room.status === "open" ? "Open" : "Closed", room.status === "open" ? "completed" : "cancelled"),
      ` ${room.kind === "study-room" ? "Study room" : "Tutoring"}`,
    ),
    present,
    connection,
    log,
    room.status === "open" ? form : null,
    closeButton ? h("p", {}, closeButton) : null,
  );
}
