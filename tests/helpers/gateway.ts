import { createAgent } from "../../mod/agent/mod.ts";
import { Conversation } from "../../mod/conversation/mod.ts";
import { PicoChannel } from "../../mod/channel/mod.ts";
import { type HistoryStore, MemoryHistoryStore } from "../../mod/history/mod.ts";
import type { ConfigStore } from "../../mod/config/mod.ts";
import { type Gateway, startGateway } from "../../mod/gateway/mod.ts";
import type { PicoClientStatus } from "../../mod/pico/mod.ts";
import { createLogger } from "../../mod/log/mod.ts";
import { createMetrics, type Metrics } from "../../mod/metrics/mod.ts";
import { makeStore } from "./store.ts";

/** The Pico token every test gateway uses. */
export const TOKEN = "test-pico-token-0123456789abcdef";

/** `Authorization: Bearer <TOKEN>`. */
export const AUTH = { authorization: `Bearer ${TOKEN}` };

/** A gateway on 127.0.0.1 port 0 with its log lines captured. */
export interface TestGateway {
  gateway: Gateway;
  channel: PicoChannel;
  store: ConfigStore;
  history: HistoryStore;
  port: number;
  metrics: Metrics;
  logs: string[];
  http(path: string): string;
  ws(path: string): string;
  stop(): Promise<void>;
}

/** Starts a real gateway with the Pico channel enabled (token `TOKEN`) plus any overrides. */
export function startTestGateway(
  overrides: { pico?: Record<string, unknown>; agent?: Record<string, unknown> } = {},
  picoClientStatus?: () => PicoClientStatus,
): TestGateway {
  const store = makeStore({
    gateway: { host: "127.0.0.1", port: 0 },
    channels: { pico: { enabled: true, token: TOKEN, ...overrides.pico } },
    agent: overrides.agent ?? {},
  });
  const logs: string[] = [];
  const log = createLogger({ stderr: (line) => logs.push(line), level: "debug" });
  const metrics = createMetrics();
  const history = new MemoryHistoryStore();
  const agent = createAgent(store.config.agent, history);
  const conversation = new Conversation({ agent, history, log, metrics });
  const channel = new PicoChannel({ store, conversation, log, metrics });
  const gateway = startGateway({ store, channel, history, agent, log, metrics, picoClientStatus });
  return {
    gateway,
    channel,
    store,
    history,
    port: gateway.port,
    metrics,
    logs,
    http: (path) => `http://127.0.0.1:${gateway.port}${path}`,
    ws: (path) => `ws://127.0.0.1:${gateway.port}${path}`,
    stop: () => {
      conversation.close();
      return gateway.stop();
    },
  };
}

/** A parsed server frame. */
export interface ServerFrame {
  type: string;
  id?: string;
  session_id: string;
  timestamp: number;
  payload?: Record<string, unknown>;
}

/** A Pico client for tests: a real WebSocket that collects frames and close events. */
export interface TestPicoClient {
  socket: WebSocket;
  frames: ServerFrame[];
  closeEvent?: CloseEvent;
  send(frame: unknown): void;
  /** Waits for the next not-yet-taken frame of `type` (any type when omitted). */
  next(type?: string, timeoutMs?: number): Promise<ServerFrame>;
  /** Waits for the socket to close. */
  closed(timeoutMs?: number): Promise<CloseEvent>;
  close(): void;
}

/**
 * Opens a Pico WebSocket; resolves when open, rejects when the handshake fails.
 * `options.headers` and `options.protocols` use Bun's WebSocket client extensions.
 */
export function openPico(
  url: string,
  options: { headers?: Record<string, string>; protocols?: string[] } = { headers: AUTH },
): Promise<TestPicoClient> {
  const socket = new WebSocket(url, { headers: options.headers, protocols: options.protocols } as never);
  const frames: ServerFrame[] = [];
  let taken = 0;
  const client: TestPicoClient = {
    socket,
    frames,
    send: (frame) => socket.send(typeof frame === "string" ? frame : JSON.stringify(frame)),
    next: async (type, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        for (let i = taken; i < frames.length; i++) {
          if (!type || frames[i].type === type) {
            taken = i + 1;
            return frames[i];
          }
        }
        if (Date.now() > deadline) {
          throw new Error(`No ${type ?? "frame"} within ${timeoutMs} ms; got ${JSON.stringify(frames.slice(taken))}`);
        }
        await Bun.sleep(5);
      }
    },
    closed: async (timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      while (!client.closeEvent) {
        if (Date.now() > deadline) throw new Error(`Socket still open after ${timeoutMs} ms`);
        await Bun.sleep(5);
      }
      return client.closeEvent;
    },
    close: () => socket.close(),
  };
  socket.addEventListener("message", (e) => frames.push(JSON.parse(String(e.data))));
  socket.addEventListener("close", (e) => (client.closeEvent = e));
  return new Promise((resolve, reject) => {
    socket.addEventListener("open", () => resolve(client), { once: true });
    socket.addEventListener("error", () => reject(new Error(`Cannot open ${url}`)), { once: true });
  });
}

/** Sends `message.send` and returns the reply frames up to `typing.stop`. */
export async function chat(client: TestPicoClient, content: string, id: string = crypto.randomUUID()) {
  client.send({ type: "message.send", id, payload: { content } });
  const frames: ServerFrame[] = [];
  for (;;) {
    const frame = await client.next();
    frames.push(frame);
    if (frame.type === "typing.stop") return frames;
  }
}
