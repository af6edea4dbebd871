/**
 * The chat tab (SPEC §7.1): the current session's history restored on load and after each
 * reconnect, the session list, assistant text as Markdown (loaded lazily), streaming updates and
 * typing, user messages from other tabs, and messages typed while disconnected kept and sent on
 * reconnect.
 */

import type { ServerFrame } from "../mod/pico/mod.ts";
import { api, ApiError, byId, show } from "./common.ts";
import { SessionList } from "./chat_sessions.ts";
import { ChatSocket } from "./chat_socket.ts";
import { reportError } from "./feedback.ts";

/** One row of `GET /api/sessions/:id` (SPEC §6). */
interface StoredMessage {
  role: "user" | "assistant";
  content: string;
  message_id: string;
}

/** A message typed while disconnected, shown as pending and sent on reconnect. */
interface Pending {
  sessionId: string;
  frame: { type: "message.send"; id: string; payload: { content: string } };
  bubble: HTMLElement;
}

const SESSION_KEY = "picoclaw-chat-session";
/** Messages restored per session (the newest ones). */
const HISTORY_LIMIT = 100;
/** Bounds on what the page keeps while offline or loading. */
const MAX_PENDING = 20;
const MAX_EARLY_FRAMES = 500;

const messages = byId("messages");
const typing = byId("typing");
const bubbles = new Map<string, HTMLElement>();
/** The latest text of each assistant bubble, rendered again once the Markdown chunk has loaded. */
const agentText = new WeakMap<HTMLElement, string>();
let pending: Pending[] = [];
let markdown: typeof import("./markdown.ts") | undefined;
let markdownLoading: Promise<void> | undefined;
let sessionId = localStorage.getItem(SESSION_KEY) ?? newSessionId();
/** Frames that arrive while the history loads wait here, so they land after it. */
let early: ServerFrame[] | undefined;

const list = new SessionList(byId("session-list"), { select: switchTo, remove });
const socket = new ChatSocket({
  frame: onFrame,
  open: () => void restore().then(flushPending),
  status: (text) => {
    if (text !== "connected") typing.hidden = true;
    show(byId("chat-state"), text);
  },
  signedOut: () => location.replace("/"),
});

function newSessionId(): string {
  return `dashboard-${crypto.randomUUID()}`;
}

function addBubble(kind: "user" | "agent" | "error", id?: string): HTMLElement {
  const bubble = document.createElement("div");
  bubble.className = `bubble ${kind}`;
  if (id) bubbles.set(id, bubble);
  messages.append(bubble);
  messages.scrollTop = messages.scrollHeight;
  return bubble;
}

function userBubble(text: string, id?: string): HTMLElement {
  const bubble = addBubble("user", id);
  bubble.textContent = text;
  return bubble;
}

/** Shows assistant text: as Markdown once that chunk is loaded, as plain text until then. */
function setAgentText(bubble: HTMLElement, text: string): void {
  agentText.set(bubble, text);
  if (markdown) {
    bubble.classList.add("md");
    markdown.renderMarkdown(bubble, text);
    return;
  }
  bubble.textContent = text;
  markdownLoading ??= import("./markdown.ts").then((module) => {
    markdown = module;
    for (const el of messages.querySelectorAll<HTMLElement>(".bubble.agent")) {
      const latest = agentText.get(el);
      if (latest !== undefined) setAgentText(el, latest);
    }
  }).catch(() => {
    markdownLoading = undefined; // The text stays plain; the next message tries again.
  });
}

function agentBubble(text: string, id?: string): HTMLElement {
  const bubble = (id && bubbles.get(id)) || addBubble("agent", id);
  setAgentText(bubble, text);
  return bubble;
}

function onFrame(frame: ServerFrame): void {
  if (frame.session_id && frame.session_id !== sessionId) return;
  if (early) {
    if (early.length < MAX_EARLY_FRAMES) early.push(frame);
    return;
  }
  const payload = frame.payload ?? {};
  const id = payload.message_id;
  switch (frame.type) {
    case "typing.start":
      typing.hidden = false;
      break;
    case "typing.stop":
      typing.hidden = true;
      void list.refresh(sessionId).catch(reportError);
      break;
    case "message.create":
      // A user message sent from another tab of this session: the user's own words, plain text.
      if (payload.kind === "user") {
        if (!id || !bubbles.has(id)) userBubble(payload.content ?? "", id);
      } else {
        agentBubble(payload.content ?? "", id);
      }
      break;
    case "message.update":
      agentBubble(payload.content ?? "", id);
      break;
    case "message.delete":
      if (id) bubbles.get(id)?.remove();
      break;
    case "media.create": {
      const bubble = (id && bubbles.get(id)) || addBubble("agent", id);
      for (const src of payload.media ?? []) {
        const img = document.createElement("img");
        img.src = String(src);
        img.alt = "image from the agent";
        bubble.append(img);
      }
      break;
    }
    case "error":
      addBubble("error").textContent = `Error (${String(payload.code)}): ${String(payload.message)}`;
      break;
  }
}

/**
 * Shows the session's stored messages (oldest first), then pending ones. A session the list does
 * not hold is new and empty (so the page asks for no 404); one deleted meanwhile (404) too.
 */
async function restore(): Promise<void> {
  early = [];
  const id = sessionId;
  let stored: StoredMessage[] = [];
  try {
    if ((await list.refresh(id)).some((s) => s.id === id)) {
      const path = `/api/sessions/${encodeURIComponent(id)}?limit=${HISTORY_LIMIT}`;
      stored = (await api<{ messages: StoredMessage[] }>(path)).messages;
    }
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) reportError(err);
  }
  if (id === sessionId) {
    bubbles.clear();
    messages.replaceChildren();
    for (const m of stored) {
      if (m.role === "user") userBubble(m.content, m.message_id);
      else agentBubble(m.content, m.message_id);
    }
    for (const p of pending) if (p.sessionId === id) messages.append(p.bubble);
    messages.scrollTop = messages.scrollHeight;
  }
  const waiting = early;
  early = undefined;
  for (const frame of waiting) onFrame(frame);
}

/** Sends what was typed while disconnected, in order. */
function flushPending(): void {
  for (const p of pending) {
    if (p.sessionId !== sessionId || !socket.send(p.frame)) continue;
    p.bubble.classList.remove("pending");
  }
  pending = pending.filter((p) => p.bubble.classList.contains("pending"));
}

function switchTo(id: string): void {
  if (id === sessionId) return;
  sessionId = id;
  localStorage.setItem(SESSION_KEY, id);
  typing.hidden = true;
  bubbles.clear();
  messages.replaceChildren();
  socket.open(id);
}

async function remove(id: string): Promise<void> {
  try {
    await api(`/api/sessions/${encodeURIComponent(id)}`, undefined, "DELETE");
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) return reportError(err);
  }
  pending = pending.filter((p) => p.sessionId !== id);
  if (id === sessionId) switchTo(newSessionId());
  else await list.refresh(sessionId).catch(reportError);
}

function send(content: string): void {
  const frame = { type: "message.send" as const, id: crypto.randomUUID(), payload: { content } };
  const bubble = userBubble(content, frame.id);
  if (socket.send(frame)) return;
  if (pending.length >= MAX_PENDING) {
    bubble.remove();
    reportError(new Error(`Cannot keep more than ${MAX_PENDING} unsent messages: wait for the reconnect.`));
    return;
  }
  bubble.classList.add("pending");
  bubble.title = "Not sent yet: it goes when the chat reconnects.";
  pending.push({ sessionId, frame, bubble });
}

/** Opens the chat socket of the current session and wires the form and the "New chat" button. */
export function startChat(): void {
  localStorage.setItem(SESSION_KEY, sessionId);
  socket.open(sessionId);
  byId("chat-new").addEventListener("click", () => switchTo(newSessionId()));
  byId("chat-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = byId<HTMLInputElement>("chat-input");
    if (input.value.trim() === "") return;
    send(input.value);
    input.value = "";
  });
}
