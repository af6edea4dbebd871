import type { Server, WebSocketHandler } from "bun";
import type { HistoryChannel } from "../history/mod.ts";
import { type Config, type ConfigStore, hasChanged } from "../config/mod.ts";
import { LocalSessionBus, type SessionBus } from "../cluster/mod.ts";
import type { ChatResult, Conversation } from "../conversation/mod.ts";
import { PicoclawError } from "../errors/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { Metrics } from "../metrics/mod.ts";
import {
  type ChatRequest,
  encodeServerFrame,
  parseChatRequest,
  parseFrame,
  serverFrame,
  toErrorFrame,
} from "../pico/mod.ts";
import type { ConnectionKind, SocketOwner } from "./admission.ts";
import { ConnectionState, type PicoSocket } from "./connection.ts";
import { SWEEP_MS, sweepConnections } from "./liveness.ts";
import { PicoReplySink } from "./pico_sink.ts";
import { SocketSessions } from "./socket_sessions.ts";
import { checkPicoToken } from "./token_admission.ts";

/** What the Pico channel needs: the config store (read live), the conversation core, a logger and the metrics. */
export interface PicoChannelOptions {
  store: ConfigStore;
  /** Runs the agent for every message, in order per session, and keeps the history (its owner closes it). */
  conversation: Conversation;
  log: Logger;
  metrics: Metrics;
  /** The clock of the sweep (tests). @default Date.now */
  now?: () => number;
  /** Carries a session's frames to its sockets on other instances (cluster). @default one process */
  bus?: SessionBus;
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
  readonly #conversation: Conversation;
  readonly #bus: SessionBus;
  readonly #now: () => number;
  readonly #unsubscribe: () => void;
  #tokenGeneration = 0;
  readonly #connections = new Set<PicoSocket>();
  readonly #pending = new Set<ConnectionState>();
  readonly #sessions = new SocketSessions();
  readonly #sweeper: ReturnType<typeof setInterval>;

  constructor(options: PicoChannelOptions) {
    this.#store = options.store;
    this.#log = options.log;
    this.#metrics = options.metrics;
    this.#now = options.now ?? Date.now;
    this.#conversation = options.conversation;
    this.#bus = options.bus ?? new LocalSessionBus();
    this.#bus.setDelivery((sessionId, frame) => this.#deliver(sessionId, frame));
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
    return this.#sessions.size + this.#conversation.busySessions;
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
    return this.#converse(sessionId, request, channel);
  }

  /** Closes (4001) the dashboard sockets of login sessions that ended: logout, revocation, key rotation. */
  endLoginSessions(ids: readonly string[]): void {
    const ended = new Set(ids);
    for (const ws of this.#connections) {
      if (ws.data.owner && ended.has(ws.data.owner.loginSession)) ws.close(4001, "session ended");
    }
  }

  /**
   * Moves the dashboard sockets of one login session to another (the caller of a token change
   * keeps its chat): they now close when `to` ends or expires.
   */
  moveLoginSession(from: string, to: SocketOwner): void {
    for (const ws of this.#connections) {
      if (ws.data.owner?.loginSession === from) ws.data.owner = { ...to };
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
    return { enabled: this.enabled, connections: this.#connections.size, sessions: this.#sessions.size };
  }

  /** How many open sockets are the dashboard's own `/pico/ws` (browser tabs), not external Pico clients. */
  dashboardConnections(): number {
    let count = 0;
    for (const ws of this.#connections) if (ws.data.kind === "dashboard") count++;
    return count;
  }

  /** Closes every connection with 1001 and stops the sweep (the conversation's owner cancels agent work). */
  async close(): Promise<void> {
    this.#unsubscribe();
    clearInterval(this.#sweeper);
    for (const ws of this.#connections) ws.close(1001, "server shutting down");
    const deadline = Date.now() + 1000;
    while (this.#connections.size > 0 && Date.now() < deadline) await Bun.sleep(10);
  }

  /**
   * Sends a frame to every socket the session has now (a socket that joins mid-reply gets the
   * rest), here and, through the bus, on other instances.
   */
  #broadcast(sessionId: string, frame: string): void {
    this.#deliver(sessionId, frame);
    this.#bus.publish(sessionId, frame);
  }

  /** Sends a frame to the session's sockets on this instance. */
  #deliver(sessionId: string, frame: string): void {
    const session = this.#sessions.get(sessionId);
    if (session) { for (const ws of session.sockets) this.#send(ws, frame); }
  }

  #open(ws: PicoSocket): void {
    this.#pending.delete(ws.data);
    this.#connections.add(ws);
    if (this.#sessions.add(ws)) this.#bus.join(ws.data.sessionId);
    this.#metrics.connections.set(this.#connections.size);
    this.#log.debug("pico connection opened", { id: ws.data.id, kind: ws.data.kind, session: ws.data.sessionId });
  }

  #close(ws: PicoSocket, code: number): void {
    this.#pending.delete(ws.data);
    if (!this.#connections.delete(ws)) return;
    if (this.#sessions.remove(ws)) this.#bus.leave(ws.data.sessionId);
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
      const dashboard = state.kind === "dashboard";
      // Other tabs see the question before its answer (an echo reply is sent within converse).
      if (dashboard && !this.#conversation.isFull(state.sessionId)) this.#echoToOtherTabs(ws, request, frame.id);
      this.#converse(state.sessionId, request, dashboard ? "dashboard" : "pico", frame.id).catch(() => {
        // The error frame already went to the session's sockets.
      });
    } catch (err) {
      if (!(err instanceof PicoclawError)) {
        this.#log.refusal("pico_internal_error", "error", "pico frame failed unexpectedly", { error: err });
      }
      this.#send(ws, toErrorFrame(err, state.sessionId, requestId));
    }
  }

  #converse(sessionId: string, request: ChatRequest, channel: HistoryChannel, requestId?: string): Promise<ChatResult> {
    const session = this.#sessions.sinkSession(sessionId);
    const sink = new PicoReplySink(session, (frame) => this.#broadcast(sessionId, frame), requestId);
    const message = { sessionId, channel, content: request.content, media: request.media, requestId };
    return this.#conversation.converse(message, sink);
  }

  /**
   * Shows the user's message in the session's other dashboard tabs: a `message.create` with
   * `kind: "user"`, sent only to dashboard sockets (a Pico client never sees it, so it cannot
   * take it for an agent reply).
   */
  #echoToOtherTabs(sender: PicoSocket, request: ChatRequest, requestId?: string): void {
    const session = this.#sessions.get(sender.data.sessionId);
    if (!session || session.sockets.size < 2) return;
    const payload = JSON.stringify({
      message_id: requestId ?? crypto.randomUUID(),
      content: request.content,
      kind: "user",
    });
    const frame = encodeServerFrame("message.create", session.idJson, payload);
    for (const ws of session.sockets) {
      if (ws !== sender && ws.data.kind === "dashboard") this.#send(ws, frame);
    }
  }

  #sweep(now: number): void {
    sweepConnections(this.#connections, this.#pending, this.#pico, now, this.#log);
  }
}
