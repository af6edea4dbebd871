/** The chat tab: a WebSocket to /pico/ws (session cookie), streaming updates and the typing indicator. */

import type { ServerFrame } from "../mod/pico/mod.ts";
import { byId, show } from "./common.ts";

const messages = byId("messages");
const typing = byId("typing");
const state = byId("chat-state");
const bubbles = new Map<string, HTMLElement>();
let socket: WebSocket | undefined;

/** This browser's chat session, kept across reloads. */
function sessionId(): string {
  let id = localStorage.getItem("picoclaw-chat-session");
  if (!id) {
    id = `dashboard-${crypto.randomUUID()}`;
    localStorage.setItem("picoclaw-chat-session", id);
  }
  return id;
}

function addBubble(kind: "user" | "agent" | "error", text: string): HTMLElement {
  const bubble = document.createElement("div");
  bubble.className = `bubble ${kind}`;
  bubble.textContent = text;
  messages.append(bubble);
  messages.scrollTop = messages.scrollHeight;
  return bubble;
}

function onFrame(frame: ServerFrame): void {
  const payload = frame.payload ?? {};
  switch (frame.type) {
    case "typing.start":
      typing.hidden = false;
      break;
    case "typing.stop":
      typing.hidden = true;
      break;
    case "message.create": {
      const bubble = addBubble("agent", payload.content ?? "");
      if (payload.message_id) bubbles.set(payload.message_id, bubble);
      break;
    }
    case "message.update": {
      const bubble = payload.message_id ? bubbles.get(payload.message_id) : undefined;
      if (bubble) bubble.textContent = payload.content ?? "";
      break;
    }
    case "media.create": {
      const bubble = (payload.message_id && bubbles.get(payload.message_id)) || addBubble("agent", "");
      for (const src of payload.media ?? []) {
        const img = document.createElement("img");
        img.src = String(src);
        img.alt = "image from the agent";
        bubble.append(img);
      }
      break;
    }
    case "error":
      addBubble("error", `Error (${String(payload.code)}): ${String(payload.message)}`).classList.add("error");
      break;
  }
}

function connect(): void {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/pico/ws?session_id=${encodeURIComponent(sessionId())}`);
  show(state, "connecting…");
  socket.addEventListener("open", () => show(state, "connected"));
  socket.addEventListener("message", (event) => onFrame(JSON.parse(String(event.data))));
  socket.addEventListener("close", (event) => {
    typing.hidden = true;
    show(state, `disconnected (${event.code}); retrying…`);
    setTimeout(connect, 3000);
  });
}

/** Opens the chat socket and wires the message form. */
export function startChat(): void {
  connect();
  byId("chat-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = byId<HTMLInputElement>("chat-input");
    const content = input.value;
    if (content.trim() === "") return;
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      addBubble("error", "Not connected yet; try again in a moment.").classList.add("error");
      return;
    }
    socket.send(JSON.stringify({ type: "message.send", id: crypto.randomUUID(), payload: { content } }));
    addBubble("user", content);
    input.value = "";
  });
}
