import type { Server, WebSocketHandler } from "bun";
import type { Agent } from "../agent/mod.ts";
import type { HistoryChannel, HistoryStore } from "../history/mod.ts";
import { type Config, type ConfigStore, hasChanged } from "../config/mod.ts";
import { PicoclawError } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { Metrics } from "../metrics/mod.ts";
import { type ChatRequest, parseChatRequest, parseFrame, serverFrame, toErrorFrame } from "../pico/mod.ts";
import type { ConnectionKind, SocketOwner } from "./admission.ts";
import { type ChatContext, type ChatResult, runChat, Session } from "./chat.ts";
import { ConnectionState, type PicoSocket } from "./connection.ts";
import { checkPicoToken } from "./token_admission.ts";

/** How often the sweep sends pings and closes silent or stuck connections. */
const SWEEP_MS = 250;
/** A reserved slot whose socket never opened is released after this long. */
const RESERVATION_MS = 10_000;
/** Requests one session may have waiting for the agent. */
export const MAX_QUEUED_PER_SESSION = 64;

/** What the Pico channel needs: the config store (read live), the agent, a logger and the metrics. */
export interface PicoChannelOptions {
  store: ConfigStore;
  agent: Agent;
  /** Where every message and final reply is kept (SPEC §6). */
  history: HistoryStore;
  log: Logger;
  metrics: Metrics;
  /** The clock of the sweep (tests). @default Date.now */
  now?: () => number;
}

/** The Pico channel's counts for `/api/status`. */
export interface PicoChannelStatus {
  enabled: boolean;
  connections: number;
  sessions: number;
}

/**
 * The Pico channel: every Pico WebSocket connection (gateway `/pico` and `/pico/ws`, the
 * dashboard's `/pico/ws`), their sessions, liveness, limits, and the agent behind them.
 * Admission strategies decide who may connect; this owns what happens once connected. It
 * reads its settings from the store, so dashboard changes apply live: a new Pico token
 * closes the sockets that used the old one (4001), turning the channel off closes the public
 * sockets (the dashboard's stay: SPEC §7.1).
 */
export class PicoChannel {
  readonly #store: ConfigStore;
  readonly #log: Logger;
  readonly #metrics: Metrics;
  readonly #chat: ChatContext;
  readonly #now: () => number;
  readonly #unsubscribe: () => void;
  #tokenGeneration = 0;
  readonly #connections = new Set<PicoSocket>();
  readonly #pending = new Set<ConnectionState>();
  readonly #sessions = new Map<string, Session>();
  readonly #abort = new AbortController();
  readonly #sweeper: ReturnType<typeof setInterval>;

  constructor(options: PicoChannelOptions) {
    this.#store = options.store;
    this.#log = options.log;
    this.#metrics = options.metrics;
    this.#now = options.now ?? Date.now;
    this.#chat = {
      agent: options.agent,
      history: options.history,
      broadcast: (session, frame) => {
        for (const ws of session.sockets) this.#send(ws, frame);
      },
      signal: this.#abort.signal,
      observeLatency: (seconds) => options.metrics.agentLatency.observe(seconds),
      // Answered as agent_error without detail; logged (once a second at most, no secrets: the error's message only).
      reportUnexpected: (err) =>
        this.#log.refusal("agent_unexpected", "error", "agent failed unexpectedly", { error: err }),
    };
    this.#sweeper = setInterval(() => this.#sweep(this.#now()), SWEEP_MS);
    this.#sweeper.unref?.();
    this.#unsubscribe = this.#store.subscribe((next, changed) => {
      if (hasChanged(changed, "channels.pico.token")) this.#tokenRotated();
      if (hasChanged(changed, "channels.pico.enabled")) this.#enabledChanged(next.config.channels.pico.enabled);
    });
  }

  /** The live Pico settings. */
  get #pico(): Config["channels"]["pico"] {
    return this.#store.config.channels.pico;
  }

  /** Whether the public `/pico` accepts connections. */
  get enabled(): boolean {
    return this.#pico.enabled;
  }

  /** Compares a presented token with the Pico token in constant time (the gateway's `/api/*` uses it). */
  checkToken(presented: string): Promise<boolean> {
    return checkPicoToken(this.#pico, presented);
  }

  /** Whether one more connection fits under `max_connections` (open plus handshaking). */
  hasCapacity(): boolean {
    return this.#connections.size + this.#pending.size < this.#pico.max_connections;
  }

  /** Sessions tracked in memory (with sockets or queued work); idle ones are dropped. */
  get trackedSessions(): number {
    return this.#sessions.size;
  }

  /**
   * Upgrades an HTTP request to a Pico WebSocket, reserving its slot until it opens.
   * Call only after the route's checks passed. Returns false if Bun refused the handshake.
   */
  upgrade(
    server: Server<ConnectionState>,
    req: Request,
    init: { kind: ConnectionKind; sessionId: string; remote: string; protocol: string; owner?: SocketOwner },
  ): boolean {
    const now = this.#now();
    const burst = Math.max(1, this.#pico.max_frames_per_second);
    const state = new ConnectionState({ ...init, tokenGeneration: this.#tokenGeneration }, now, burst);
    const headers = new Headers({ "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff" });
    // Echo exactly the chosen subprotocol, passed as a Headers object (see STYLE.md §4).
    if (init.protocol) headers.set("Sec-WebSocket-Protocol", init.protocol);
    this.#pending.add(state);
    if (server.upgrade(req, { data: state, headers })) return true;
    this.#pending.delete(state);
    return false;
  }

  /** The Bun WebSocket handlers; both the gateway and the launcher serve them. */
  websocketHandler(): WebSocketHandler<ConnectionState> {
    const limit = this.#pico.max_message_bytes;
    return {
      maxPayloadLength: limit,
      // Liveness is ours (ping_interval / read_timeout), not Bun's idle timer.
      idleTimeout: 0,
      sendPings: false,
      perMessageDeflate: false,
      backpressureLimit: Math.max(4 * 1024 * 1024, 2 * limit),
      closeOnBackpressureLimit: true,
      open: (ws) => this.#open(ws),
      message: (ws, message) => this.#message(ws, message),
      close: (ws, code) => this.#close(ws, code),
      drain: (ws) => {
        ws.data.backpressureSince = 0;
      },
      pong: (ws) => {
        ws.data.lastSeen = this.#now();
      },
      ping: (ws) => {
        ws.data.lastSeen = this.#now();
      },
    };
  }

  /**
   * Runs a chat request for a session (the HTTP API's `POST /api/messages`, the dashboard's
   * `POST /api/chat`); the reply frames also go to that session's sockets, in order with its
   * other requests.
   *
   * @param channel Where the message came from, as history records it (`api`, `dashboard`).
   *
   * @throws {PicoclawError} `rate_limited` when the session already has 64 requests waiting.
   */
  chat(sessionId: string, request: ChatRequest, channel: HistoryChannel): Promise<ChatResult> {
    return this.#enqueue(this.#session(sessionId), request, channel);
  }

  /** Closes (4001) the dashboard sockets of login sessions that ended: logout, revocation, key rotation. */
  endLoginSessions(ids: readonly string[]): void {
    const ended = new Set(ids);
    for (const ws of this.#connections) {
      if (ws.data.owner && ended.has(ws.data.owner.loginSession)) ws.close(4001, "session ended");
    }
  }

  /** A new Pico token: connections that used the old one are closed with 4001. */
  #tokenRotated(): void {
    this.#tokenGeneration++;
    let closed = 0;
    for (const ws of this.#connections) {
      if (ws.data.kind === "pico" && ws.data.tokenGeneration < this.#tokenGeneration) {
        ws.close(4001, "token rotated");
        closed++;
      }
    }
    this.#log.info("pico token changed", { closed_connections: closed });
  }

  /** The public channel turned on or off; off closes its connections (not the dashboard's) with 1001. */
  #enabledChanged(enabled: boolean): void {
    if (!enabled) {
      for (const ws of this.#connections) if (ws.data.kind === "pico") ws.close(1001, "channel disabled");
    }
    this.#log.info(enabled ? "pico channel enabled" : "pico channel disabled");
  }

  /** Counts for `/api/status`. */
  status(): PicoChannelStatus {
    let sessions = 0;
    for (const session of this.#sessions.values()) if (session.sockets.size > 0) sessions++;
    return { enabled: this.enabled, connections: this.#connections.size, sessions };
  }

  /** How many open sockets are the dashboard's own `/pico/ws` (browser tabs), not external Pico clients. */
  dashboardConnections(): number {
    let count = 0;
    for (const ws of this.#connections) if (ws.data.kind === "dashboard") count++;
    return count;
  }

  /** Closes every connection with 1001, cancels agent work and stops the sweep. */
  async close(): Promise<void> {
    this.#unsubscribe();
    clearInterval(this.#sweeper);
    this.#abort.abort();
    for (const ws of this.#connections) ws.close(1001, "server shutting down");
    const deadline = Date.now() + 1000;
    while (this.#connections.size > 0 && Date.now() < deadline) await Bun.sleep(10);
  }

  #session(id: string): Session {
    let session = this.#sessions.get(id);
    if (!session) {
      session = new Session(id);
      this.#sessions.set(id, session);
    }
    return session;
  }

  #dropSessionIfIdle(session: Session): void {
    if (session.sockets.size === 0 && session.queued === 0) this.#sessions.delete(session.id);
  }

  #open(ws: PicoSocket): void {
    this.#pending.delete(ws.data);
    this.#connections.add(ws);
    this.#session(ws.data.sessionId).sockets.add(ws);
    this.#metrics.connections.set(this.#connections.size);
    this.#log.debug("pico connection opened", { id: ws.data.id, kind: ws.data.kind, session: ws.data.sessionId });
  }

  #close(ws: PicoSocket, code: number): void {
    this.#pending.delete(ws.data);
    if (!this.#connections.delete(ws)) return;
    const session = this.#sessions.get(ws.data.sessionId);
    if (session) {
      session.sockets.delete(ws);
      this.#dropSessionIfIdle(session);
    }
    this.#metrics.connections.set(this.#connections.size);
    this.#log.debug("pico connection closed", { id: ws.data.id, code });
  }

  #send(ws: PicoSocket, frame: string): void {
    const status = ws.send(frame);
    this.#metrics.frames.out++;
    // -1: queued under backpressure; the sweep closes it if no drain comes within write_timeout.
    if (status === -1 && ws.data.backpressureSince === 0) ws.data.backpressureSince = this.#now();
  }

  #message(ws: PicoSocket, message: string | Buffer): void {
    const state = ws.data;
    const now = this.#now();
    state.lastSeen = now;
    this.#metrics.frames.in++;
    if (!state.takeRateToken(this.#pico.max_frames_per_second, now)) {
      if (now - state.rateNoticeAt >= 1000) {
        state.rateNoticeAt = now;
        const err = new PicoclawError("rate_limited", "Too many frames: excess frames are dropped");
        this.#send(ws, toErrorFrame(err, state.sessionId));
      }
      return;
    }
    if (typeof message !== "string") {
      const err = new PicoclawError("invalid_message", "Binary frames are not supported: send JSON text frames");
      this.#send(ws, toErrorFrame(err, state.sessionId));
      return;
    }
    let requestId: string | undefined;
    try {
      const frame = parseFrame(message);
      requestId = frame.id;
      if (frame.type === "ping") {
        this.#send(ws, serverFrame("pong", state.sessionId, undefined, frame.id));
        return;
      }
      const request = parseChatRequest(frame);
      const channel = state.kind === "dashboard" ? "dashboard" : "pico";
      this.#enqueue(this.#session(state.sessionId), request, channel, frame.id).catch(() => {
        // The error frame already went to the session's sockets.
      });
    } catch (err) {
      if (!(err instanceof PicoclawError)) {
        this.#log.refusal("pico_internal_error", "error", "pico frame failed unexpectedly", { error: err });
      }
      this.#send(ws, toErrorFrame(err, state.sessionId, requestId));
    }
  }

  #enqueue(session: Session, request: ChatRequest, channel: HistoryChannel, requestId?: string): Promise<ChatResult> {
    if (session.queued >= MAX_QUEUED_PER_SESSION) {
      throw new PicoclawError("rate_limited", "Too many messages are waiting for the agent in this session");
    }
    // The user's message is kept when it is accepted; the reply when it is complete (runChat).
    this.#chat.history.append({
      session_id: session.id,
      role: "user",
      content: request.content,
      message_id: requestId !== undefined && requestId.length <= 128 ? requestId : crypto.randomUUID(),
      channel,
    });
    const start = () => runChat(this.#chat, session, request, channel, requestId);
    // An idle session runs at once; a busy one waits for its earlier requests (in order).
    const run = session.queued === 0 ? start() : session.queue.then(start);
    session.queued++;
    const settle = () => {
      session.queued--;
      this.#dropSessionIfIdle(session);
    };
    // Also marks a rejection as handled: the error frame was already sent.
    session.queue = run.then(settle, settle);
    return run;
  }

  #sweep(now: number): void {
    const pingMs = this.#pico.ping_interval * 1000;
    const readMs = this.#pico.read_timeout * 1000;
    const writeMs = this.#pico.write_timeout * 1000;
    for (const ws of this.#connections) {
      const state = ws.data;
      if (state.owner && now >= state.owner.expiresAt) {
        ws.close(4001, "session expired");
      } else if (state.backpressureSince !== 0 && now - state.backpressureSince >= writeMs) {
        this.#log.info("pico connection closed: slow consumer", { id: state.id, session: state.sessionId });
        ws.terminate();
      } else if (now - state.lastSeen >= readMs) {
        ws.close(1001, "read timeout");
      } else if (now - state.lastPing >= pingMs) {
        state.lastPing = now;
        ws.ping();
      }
    }
    for (const state of this.#pending) {
      if (now - state.reservedAt >= RESERVATION_MS) this.#pending.delete(state);
    }
  }
}
