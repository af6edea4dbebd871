/**
 * The chat's WebSocket to `/pico/ws` (the session cookie goes along): reconnects after a drop with
 * a backoff of 1 s doubling to 30 s and says so, and hands a signed-out page back (a close or a
 * refused socket while `GET /api/status` answers 401). A 4001 while still signed in (a token
 * rotation replaced this browser's login session) reconnects at once.
 */

import type { ServerFrame } from "../mod/pico/mod.ts";

/** The close code of a socket whose login session ended (logout, revocation, rotation). */
export const SESSION_ENDED = 4001;

/**
 * The wait before reconnect attempt `attempt` (0 for the first after a drop).
 *
 * @returns Seconds: 1, 2, 4, 8, 16, then 30 for every later attempt.
 * @example
 * backoffSeconds(0); // 1
 * backoffSeconds(9); // 30
 */
export function backoffSeconds(attempt: number): number {
  return Math.min(30, 2 ** Math.min(attempt, 5));
}

/** What the chat hears from its socket. */
export interface ChatSocketEvents {
  /** A server frame arrived. */
  frame(frame: ServerFrame): void;
  /** The socket is open (first time or again); queued messages can go now. */
  open(): void;
  /** The connection state in words ("connected", "Reconnecting in 4 s…"). */
  status(text: string): void;
  /** The login session is gone: the page should go to the sign-in page. */
  signedOut(): void;
}

/** One chat session's socket, reconnected until `open()` is called again for another session. */
export class ChatSocket {
  #socket: WebSocket | undefined;
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #sessionId = "";
  readonly #events: ChatSocketEvents;

  constructor(events: ChatSocketEvents) {
    this.#events = events;
  }

  /** Whether frames can be sent now. */
  get connected(): boolean {
    return this.#socket?.readyState === WebSocket.OPEN;
  }

  /** Connects to a session, dropping the socket of the previous one without a reconnect. */
  open(sessionId: string): void {
    this.#sessionId = sessionId;
    this.#attempt = 0;
    this.#stop();
    this.#connect();
  }

  /** Sends a frame; false when not connected (the caller keeps it for later). */
  send(frame: Record<string, unknown>): boolean {
    if (!this.#socket || !this.connected) return false;
    this.#socket.send(JSON.stringify(frame));
    return true;
  }

  #stop(): void {
    clearTimeout(this.#timer);
    const old = this.#socket;
    this.#socket = undefined;
    old?.close(1000, "switching session");
  }

  #connect(): void {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(
      `${scheme}://${location.host}/pico/ws?session_id=${encodeURIComponent(this.#sessionId)}`,
    );
    this.#socket = socket;
    this.#events.status("connecting…");
    socket.addEventListener("open", () => {
      if (this.#socket !== socket) return;
      this.#attempt = 0;
      this.#events.status("connected");
      this.#events.open();
    });
    socket.addEventListener("message", (event) => {
      if (this.#socket !== socket) return;
      try {
        this.#events.frame(JSON.parse(String(event.data)));
      } catch {
        // A frame that is not JSON is not ours to show.
      }
    });
    socket.addEventListener("close", (event) => {
      if (this.#socket === socket) void this.#dropped(event.code);
    });
  }

  async #dropped(code: number): Promise<void> {
    this.#socket = undefined;
    if (await this.#signedOut()) {
      this.#events.signedOut();
      return;
    }
    // 4001 while this browser is still signed in: its login session was replaced (a token
    // rotation gives the caller a new cookie), so the chat reconnects at once with the new one.
    this.#countdown(code === SESSION_ENDED ? 0 : backoffSeconds(this.#attempt++));
  }

  /** A refused socket does not say why; a 401 from the status API means the session is gone. */
  async #signedOut(): Promise<boolean> {
    try {
      return (await fetch("/api/status", { credentials: "same-origin" })).status === 401;
    } catch {
      return false;
    }
  }

  #countdown(seconds: number): void {
    if (this.#socket) return;
    if (seconds <= 0) {
      this.#connect();
      return;
    }
    this.#events.status(`Reconnecting in ${seconds} s…`);
    this.#timer = setTimeout(() => this.#countdown(seconds - 1), 1000);
  }
}
