import type { Config } from "../config/mod.ts";
import type { Conversation } from "../conversation/mod.ts";
import type { Logger } from "../log/mod.ts";
import { RecentIds } from "./_recent_ids.ts";
import { RemoteLink } from "./_remote_link.ts";
import { Backoff, type BackoffOptions } from "../backoff/mod.ts";
import { encodeClientFrame } from "./frames.ts";

/** The Pico client's connection state, as `/api/status` and the dashboard show it. */
export type PicoClientState = "disconnected" | "connecting" | "connected" | "auth_failed";

/** The Pico client's status for `/api/status`. */
export interface PicoClientStatus {
  enabled: boolean;
  connected: boolean;
  state: PicoClientState;
  last_error: string | null;
  /** ISO time the current connection opened, or null. */
  connected_since: string | null;
  /** Reconnect attempts since start. */
  reconnects: number;
  /** Seconds until the next attempt, while waiting to reconnect. */
  next_retry_in_s: number | null;
}

/** What the Pico client needs. */
export interface PicoClientOptions {
  settings: Config["channels"]["pico_client"];
  /**
   * Own pings every `ping_interval` s; `read_timeout` s of silence means a dead link; remote
   * frames over `max_message_bytes` (default 1 MiB) are dropped. The Pico channel's settings fit.
   */
  liveness: { ping_interval: number; read_timeout: number; max_message_bytes?: number };
  /** Runs the local agent and keeps the history (SPEC §6, channel `pico_client`). */
  conversation: Conversation;
  log: Logger;
  backoff?: BackoffOptions;
  /**
   * A streamed remote message without typing frames ends this long after its last update.
   * @default 2000
   */
  streamQuietMs?: number;
}

/** How long `stop()` waits for the remote to answer the close. */
const STOP_WAIT_MS = 1000;

/** The HTTP status of a refused handshake, from Bun's error text ("Expected 101 status code: 401"). */
function handshakeStatus(message: string): number | undefined {
  const match = /status code:? (\d{3})/i.exec(message);
  return match ? Number(match[1]) : undefined;
}

/**
 * The Pico client (SPEC §4): dials a remote Pico server with `Authorization: Bearer <token>`,
 * hands each complete remote message (a `message.create` with its updates and media, not
 * placeholders, thoughts or answers to its own messages) to the local agent in the session
 * `pico_client:<remote session>`, and sends the reply back as `message.send` with the remote's
 * `session_id` and a fresh `id`. It answers pings, sends its own, treats `read_timeout` of
 * silence as a dead link, and reconnects forever with backoff; a 401/403 is logged once as a
 * token/origin problem and retried at the longest delay. A dropped connection aborts its
 * agent work. At most one socket and one timer of each kind exist at a time.
 */
export class PicoClient {
  #settings: Config["channels"]["pico_client"];
  readonly #options: PicoClientOptions;
  readonly #log: Logger;
  #backoff: Backoff;
  #socket?: WebSocket;
  /** Bumped for each dial and on stop, so events of an old socket are ignored. */
  #generation = 0;
  #state: PicoClientState = "disconnected";
  #lastError: string | null = null;
  #connectedAt = 0;
  #lastSeen = 0;
  #reconnects = 0;
  #retryAt = 0;
  #authProblemLogged = false;
  #retryTimer?: ReturnType<typeof setTimeout>;
  #livenessTimer?: ReturnType<typeof setInterval>;
  /** The open connection's frame handling and agent work; closed with the connection. */
  #link?: RemoteLink;
  /** Ids of our recent `message.send`s: the remote's answers to them are not answered again. */
  readonly #sentIds = new RecentIds(256);

  constructor(options: PicoClientOptions) {
    this.#options = options;
    this.#settings = options.settings;
    this.#log = options.log;
    this.#backoff = new Backoff(options.backoff);
  }

  /** Starts dialling when enabled; does nothing otherwise. */
  start(): void {
    if (this.#settings.enabled && this.#settings.url) this.#dial();
  }

  /** Closes with 1000 and stops reconnecting; resolves when the close is done (at most 1 s). */
  stop(): Promise<void> {
    this.#generation++;
    clearTimeout(this.#retryTimer);
    clearInterval(this.#livenessTimer);
    this.#retryTimer = undefined;
    this.#livenessTimer = undefined;
    this.#closeLink();
    const socket = this.#socket;
    this.#socket = undefined;
    this.#state = "disconnected";
    this.#connectedAt = 0;
    this.#retryAt = 0;
    if (!socket || socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    // Resolves once the close handshake is done (at most 1 s), so a stopping process does not
    // exit before its 1000 reaches the remote.
    const closed = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, STOP_WAIT_MS);
      socket.addEventListener("close", () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
    socket.close(1000, "client stopping");
    return closed;
  }

  /** Applies new settings (from the dashboard): stops, then starts again if enabled. */
  reconfigure(settings: Config["channels"]["pico_client"]): void {
    void this.stop();
    this.#settings = settings;
    this.#backoff = new Backoff(this.#options.backoff);
    this.#authProblemLogged = false;
    this.#lastError = null;
    this.start();
  }

  /** The state for `/api/status`. */
  status(): PicoClientStatus {
    return {
      enabled: this.#settings.enabled,
      connected: this.#state === "connected",
      state: this.#state,
      last_error: this.#lastError,
      connected_since: this.#connectedAt ? new Date(this.#connectedAt).toISOString() : null,
      reconnects: this.#reconnects,
      next_retry_in_s: this.#retryAt ? Math.max(0, Math.round((this.#retryAt - Date.now()) / 1000)) : null,
    };
  }

  #dial(): void {
    const generation = ++this.#generation;
    const url = new URL(this.#settings.url);
    if (this.#settings.session_id) url.searchParams.set("session_id", this.#settings.session_id);
    const headers: Record<string, string> = {};
    if (this.#settings.token.isSet) headers.authorization = `Bearer ${this.#settings.token.reveal()}`;
    this.#state = "connecting";
    this.#retryAt = 0;
    let failure = "";
    // Bun's WebSocket client takes headers as a second-argument option.
    const socket = new WebSocket(url.href, { headers } as unknown as string[]);
    this.#socket = socket;
    const current = () => generation === this.#generation;
    socket.addEventListener("open", () => {
      if (!current()) return;
      this.#state = "connected";
      this.#connectedAt = this.#lastSeen = Date.now();
      this.#lastError = null;
      this.#authProblemLogged = false;
      this.#log.info("pico client connected", { url: url.origin + url.pathname });
      this.#link = this.#openLink(socket);
      this.#startLiveness(socket, generation);
    });
    socket.addEventListener("message", (event) => {
      if (!current()) return;
      this.#lastSeen = Date.now();
      this.#link?.onFrame(String(event.data));
    });
    socket.addEventListener("error", (event) => {
      failure = (event as ErrorEvent).message ?? "connection error";
    });
    socket.addEventListener("close", (event) => {
      if (!current()) return;
      this.#onDrop(event.code, failure);
    });
  }

  #startLiveness(socket: WebSocket, generation: number): void {
    clearInterval(this.#livenessTimer);
    const { ping_interval, read_timeout } = this.#options.liveness;
    let lastPing = Date.now();
    this.#livenessTimer = setInterval(() => {
      if (generation !== this.#generation) return;
      const now = Date.now();
      if (now - this.#lastSeen >= read_timeout * 1000) {
        this.#log.warn("pico client: no answer within read_timeout; reconnecting", { read_timeout });
        socket.close(4000, "read timeout");
        this.#onDrop(4000, `no answer for ${read_timeout} s`);
      } else if (now - lastPing >= ping_interval * 1000) {
        lastPing = now;
        socket.send(encodeClientFrame("ping", { id: crypto.randomUUID() }));
      }
    }, Math.min(1000, (ping_interval * 1000) / 2));
  }

  #onDrop(code: number, failure: string): void {
    const connectedFor = this.#connectedAt ? Date.now() - this.#connectedAt : 0;
    clearInterval(this.#livenessTimer);
    this.#livenessTimer = undefined;
    this.#closeLink();
    this.#socket = undefined;
    this.#generation++;
    this.#connectedAt = 0;
    const status = handshakeStatus(failure);
    let delay: number;
    if (status === 401 || status === 403) {
      this.#state = "auth_failed";
      this.#lastError = `the remote refused the handshake with ${status}: check the token and the allowed origins`;
      if (!this.#authProblemLogged) {
        this.#log.warn("pico client: remote refused the token or origin; retrying at the longest backoff", { status });
        this.#authProblemLogged = true;
      }
      delay = this.#backoff.max();
    } else {
      this.#state = "disconnected";
      this.#lastError = failure ? failure.replace(/^WebSocket connection to '[^']*' failed: /, "") : `closed (${code})`;
      delay = this.#backoff.next(connectedFor);
      this.#log.info("pico client disconnected; reconnecting", { code, retry_in_ms: delay });
    }
    this.#schedule(delay);
  }

  #schedule(delay: number): void {
    clearTimeout(this.#retryTimer);
    this.#retryAt = Date.now() + delay;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#reconnects++;
      this.#dial();
    }, delay);
  }

  #openLink(socket: WebSocket): RemoteLink {
    return new RemoteLink({
      send: (frame) => socket.readyState === WebSocket.OPEN && (socket.send(frame), true),
      conversation: this.#options.conversation,
      log: this.#log,
      defaultSessionId: this.#settings.session_id,
      maxFrameBytes: this.#options.liveness.max_message_bytes ?? 1024 * 1024,
      quietMs: this.#options.streamQuietMs ?? 2000,
      sentIds: this.#sentIds,
    });
  }

  /** A dropped connection takes its queued and running agent work with it (SPEC §4). */
  #closeLink(): void {
    this.#link?.close();
    this.#link = undefined;
  }
}
