import type { Server, WebSocketHandler } from "bun";
import { timingSafeEqual } from "hono/utils/buffer";
import type { Agent } from "../agent/mod.ts";
import type { Config, Secret } from "../config/mod.ts";
import { PicoclawError } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { Metrics } from "../metrics/mod.ts";
import { type ChatRequest, parseChatRequest, parseFrame, serverFrame, toErrorFrame } from "../pico/mod.ts";
import { type ChatContext, type ChatResult, runChat, Session } from "./chat.ts";
import { type ConnectionKind, ConnectionState, type PicoSocket } from "./connection.ts";

/** How often the sweep sends pings and closes silent or stuck connections. */
const SWEEP_MS = 250;
/** A reserved slot whose socket never opened is released after this long. */
const RESERVATION_MS = 10_000;
/** Requests one session may have waiting for the agent. */
const MAX_QUEUED_PER_SESSION = 64;

/** What the Pico channel needs: its config slice, the agent, a logger and the metrics. */
export interface PicoChannelOptions {
  pico: Config["channels"]["pico"];
  agent: Agent;
  log: Logger;
  metrics: Metrics;
}

/** The Pico channel's counts for `/api/status`. */
export interface PicoChannelStatus {
  enabled: boolean;
  connections: number;
  sessions: number;
}

/**
 * The Pico channel: every Pico WebSocket connection (gateway `/pico` and dashboard
 * `/pico/ws`), their sessions, liveness, limits, and the agent behind them. The HTTP
 * routes decide who may connect; this owns what happens once connected.
 */
export class PicoChannel {
  readonly #pico: Config["channels"]["pico"];
  readonly #log: Logger;
  readonly #metrics: Metrics;
  readonly #chat: ChatContext;
  #enabled: boolean;
  #token: Secret;
  #tokenGeneration = 0;
  readonly #connections = new Set<PicoSocket>();
  readonly #pending = new Set<ConnectionState>();
  readonly #sessions = new Map<string, Session>();
  readonly #abort = new AbortController();
  readonly #sweeper: ReturnType<typeof setInterval>;

  constructor(options: PicoChannelOptions) {
    this.#pico = options.pico;
    this.#log = options.log;
    this.#metrics = options.metrics;
    this.#enabled = options.pico.enabled;
    this.#token = options.pico.token;
    this.#chat = {
      agent: options.agent,
      broadcast: (session, frame) => {
        for (const ws of session.sockets) this.#send(ws, frame);
      },
      signal: this.#abort.signal,
      observeLatency: (seconds) => options.metrics.agentLatency.observe(seconds),
    };
    this.#sweeper = setInterval(() => this.#sweep(Date.now()), SWEEP_MS);
    this.#sweeper.unref?.();
  }

  /** Whether `/pico` accepts connections. */
  get enabled(): boolean {
    return this.#enabled;
  }

  /** Compares a presented token with the Pico token in constant time; an unset token matches nothing. */
  async checkToken(presented: string): Promise<boolean> {
    const token = this.#token;
    if (!token.isSet || presented === "") return false;
    return await timingSafeEqual(token.reveal(), presented);
  }

  /** Whether one more connection fits under `max_connections` (open plus handshaking). */
  hasCapacity(): boolean {
    return this.#connections.size + this.#pending.size < this.#pico.max_connections;
  }

  /**
   * Upgrades an HTTP request to a Pico WebSocket, reserving its slot until it opens.
   * Call only after the route's checks passed. Returns false if Bun refused the handshake.
   */
  upgrade(
    server: Server<ConnectionState>,
    req: Request,
    init: { kind: ConnectionKind; sessionId: string; remote: string; protocol: string },
  ): boolean {
    const now = Date.now();
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
        ws.data.lastSeen = Date.now();
      },
      ping: (ws) => {
        ws.data.lastSeen = Date.now();
      },
    };
  }

  /**
   * Runs a chat request for a session (the HTTP API's `POST /api/messages`); the reply
   * frames also go to that session's sockets, in order with its other requests.
   */
  chat(sessionId: string, request: ChatRequest): Promise<ChatResult> {
    return this.#enqueue(this.#session(sessionId), request);
  }

  /** Replaces the Pico token; connections that used the old one are closed with 4001. */
  setToken(token: Secret): void {
    this.#token = token;
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

  /** Turns the channel on or off; off closes every connection with 1001. */
  setEnabled(enabled: boolean): void {
    this.#enabled = enabled;
    if (!enabled) { for (const ws of this.#connections) ws.close(1001, "channel disabled"); }
    this.#log.info(enabled ? "pico channel enabled" : "pico channel disabled");
  }

  /** Counts for `/api/status`. */
  status(): PicoChannelStatus {
    let sessions = 0;
    for (const session of this.#sessions.values()) if (session.sockets.size > 0) sessions++;
    return { enabled: this.#enabled, connections: this.#connections.size, sessions };
  }

  /** Closes every connection with 1001, cancels agent work and stops the sweep. */
  async close(): Promise<void> {
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
    if (status === -1 && ws.data.backpressureSince === 0) ws.data.backpressureSince = Date.now();
  }

  #message(ws: PicoSocket, message: string | Buffer): void {
    const state = ws.data;
    const now = Date.now();
    state.lastSeen = now;
    this.#metrics.frames.in++;
    if (!this.#takeRateToken(state, now)) {
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
      const session = this.#session(state.sessionId);
      if (session.queued >= MAX_QUEUED_PER_SESSION) {
        throw new PicoclawError("rate_limited", "Too many messages are waiting for the agent in this session");
      }
      void this.#enqueue(session, request, frame.id);
    } catch (err) {
      this.#send(ws, toErrorFrame(err, state.sessionId, requestId));
    }
  }

  #enqueue(session: Session, request: ChatRequest, requestId?: string): Promise<ChatResult> {
    const start = () => runChat(this.#chat, session, request, requestId);
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

  /** Token bucket: `max_frames_per_second` per second, bursts up to one second's worth; 0 = no limit. */
  #takeRateToken(state: ConnectionState, now: number): boolean {
    const rate = this.#pico.max_frames_per_second;
    if (rate === 0) return true;
    state.tokens = Math.min(rate, state.tokens + ((now - state.tokensAt) / 1000) * rate);
    state.tokensAt = now;
    if (state.tokens < 1) return false;
    state.tokens -= 1;
    return true;
  }

  #sweep(now: number): void {
    const pingMs = this.#pico.ping_interval * 1000;
    const readMs = this.#pico.read_timeout * 1000;
    const writeMs = this.#pico.write_timeout * 1000;
    for (const ws of this.#connections) {
      const state = ws.data;
      if (state.backpressureSince !== 0 && now - state.backpressureSince >= writeMs) {
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
