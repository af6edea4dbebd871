/**
 * @module
 * A small Discord on 127.0.0.1 speaking the real wire formats: the REST API under `/api/v10`
 * (`GET /gateway/bot`, `GET /users/@me`, `POST /channels/:id/messages`,
 * `PATCH /channels/:id/messages/:mid`, `POST /channels/:id/typing`; `Authorization: Bot <token>`
 * checked, 401 otherwise; 429 with `retry_after` and the rate-limit headers on demand) and a
 * Gateway WebSocket at `/gateway` (HELLO 10, IDENTIFY 2, HEARTBEAT 1 / ACK 11, READY and
 * RESUMED dispatches, RESUME 6, MESSAGE_CREATE dispatches; it can drop the connection).
 */

import type { ServerWebSocket } from "bun";

/** The bot the fake answers for. */
export const BOT = { id: "900000000000000001", username: "picobot", discriminator: "0", bot: true };

/** One REST call the fake received. */
export interface FakeDiscordCall {
  method: string;
  path: string;
  authorization: string | null;
  body: Record<string, unknown> | null;
  /** Its status: 200/204, 401 or 429. */
  status: number;
  at: number;
}

/** One Gateway frame the fake received from the bot. */
export interface GatewayFrame {
  op: number;
  d: unknown;
  at: number;
}

/** What the fake should do. */
export interface FakeDiscordBehaviour {
  /** Milliseconds between heartbeats the fake asks for. @default 45000 */
  heartbeatMs?: number;
  /** The next this many message POSTs/PATCHes answer 429 with `retryAfterS`. */
  rateLimit?: { count: number; retryAfterS: number };
  /** Every `GET /gateway/bot` answers this status (a Discord outage) while set. */
  gatewayBotStatus?: number;
}

/** A message the bot sent (or edited to), as the fake keeps it. */
export interface FakeMessage {
  id: string;
  channel_id: string;
  content: string;
  edits: string[];
}

/** Starts the fake; `token` is the bot token it accepts. */
export function startFakeDiscord(initialToken: string, behaviour: FakeDiscordBehaviour = {}) {
  let token = initialToken;
  const calls: FakeDiscordCall[] = [];
  const frames: GatewayFrame[] = [];
  const messages: FakeMessage[] = [];
  const sockets = new Set<ServerWebSocket<{ sessionId?: string }>>();
  let nextId = 100;
  let seq = 0;
  const sessionId = `session-${crypto.randomUUID()}`;
  const snowflake = () => String(900000000000001000n + BigInt(nextId++));

  const server = Bun.serve<{ sessionId?: string }>({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(req, srv) {
      const url = new URL(req.url);
      if (url.pathname === "/gateway") {
        return srv.upgrade(req, { data: {} }) ? undefined : new Response("upgrade", { status: 400 });
      }
      const path = url.pathname.replace(/^\/api\/v10/, "");
      const text = req.method === "GET" ? "" : await req.text();
      const call: FakeDiscordCall = {
        method: req.method,
        path,
        authorization: req.headers.get("authorization"),
        body: text ? JSON.parse(text) : null,
        status: 200,
        at: Date.now(),
      };
      calls.push(call);
      if (call.authorization !== `Bot ${token}`) {
        call.status = 401;
        return Response.json({ message: "401: Unauthorized", code: 0 }, { status: 401 });
      }
      if (behaviour.gatewayBotStatus && path === "/gateway/bot") {
        call.status = behaviour.gatewayBotStatus;
        return Response.json({ message: "Service Unavailable", code: 0 }, { status: behaviour.gatewayBotStatus });
      }
      const limit = behaviour.rateLimit;
      if (limit && limit.count > 0 && path.startsWith("/channels/") && !path.endsWith("/typing")) {
        limit.count--;
        call.status = 429;
        return Response.json({
          message: "You are being rate limited.",
          retry_after: limit.retryAfterS,
          global: false,
        }, {
          status: 429,
          headers: {
            "retry-after": String(limit.retryAfterS),
            "x-ratelimit-limit": "5",
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset-after": String(limit.retryAfterS),
            "x-ratelimit-bucket": "fake-bucket",
            "x-ratelimit-scope": "user",
          },
        });
      }
      return route(req.method, path, call.body);
    },
    websocket: {
      open(ws) {
        sockets.add(ws);
        ws.send(
          JSON.stringify({ op: 10, d: { heartbeat_interval: behaviour.heartbeatMs ?? 45_000 }, s: null, t: null }),
        );
      },
      message(ws, raw) {
        const frame = JSON.parse(String(raw)) as { op: number; d: Record<string, unknown> };
        frames.push({ op: frame.op, d: frame.d, at: Date.now() });
        if (frame.op === 1) ws.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
        if (frame.op === 2) {
          if (frame.d.token !== token) return void ws.close(4004, "Authentication failed.");
          ws.data.sessionId = sessionId;
          dispatch(ws, "READY", {
            v: 10,
            user: BOT,
            guilds: [],
            session_id: sessionId,
            resume_gateway_url: `ws://127.0.0.1:${server.port}/gateway`,
            application: { id: BOT.id, flags: 0 },
          });
        }
        if (frame.op === 6) {
          if (frame.d.token !== token || frame.d.session_id !== sessionId) {
            return void ws.send(JSON.stringify({ op: 9, d: false, s: null, t: null }));
          }
          ws.data.sessionId = sessionId;
          dispatch(ws, "RESUMED", {});
        }
      },
      close(ws) {
        sockets.delete(ws);
      },
    },
  });

  function dispatch(ws: ServerWebSocket<{ sessionId?: string }>, t: string, d: unknown): void {
    ws.send(JSON.stringify({ op: 0, d, s: ++seq, t }));
  }

  function route(method: string, path: string, body: Record<string, unknown> | null): Response {
    if (method === "GET" && path === "/gateway/bot") {
      return Response.json({
        url: `ws://127.0.0.1:${server.port}/gateway`,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: 1 },
      });
    }
    if (method === "GET" && path === "/users/@me") return Response.json(BOT);
    const typing = path.match(/^\/channels\/(\d+)\/typing$/);
    if (method === "POST" && typing) return new Response(null, { status: 204 });
    const post = path.match(/^\/channels\/(\d+)\/messages$/);
    if (method === "POST" && post) {
      const message = { id: snowflake(), channel_id: post[1], content: String(body?.content ?? ""), edits: [] };
      messages.push(message);
      return Response.json({ id: message.id, channel_id: message.channel_id, content: message.content, author: BOT });
    }
    const patch = path.match(/^\/channels\/(\d+)\/messages\/(\d+)$/);
    const message = patch && messages.find((m) => m.id === patch[2] && m.channel_id === patch[1]);
    if (method === "PATCH" && message) {
      message.content = String(body?.content ?? "");
      message.edits.push(message.content);
      return Response.json({ id: message.id, channel_id: message.channel_id, content: message.content, author: BOT });
    }
    return Response.json({ message: "404: Not Found", code: 0 }, { status: 404 });
  }

  /** The open, identified (or resumed) Gateway connection, if any. */
  const live = () => [...sockets].find((ws) => ws.data.sessionId !== undefined);

  return {
    /** The `api_base` to configure: `http://127.0.0.1:<port>/api/v10`. */
    apiBase: `http://127.0.0.1:${server.port}/api/v10`,
    port: server.port,
    behaviour,
    calls,
    frames,
    messages,
    /** Accepts another bot token from now on (as if the user had reset it). */
    setToken(next: string): void {
      token = next;
    },
    /** Whether a bot is connected and identified. */
    connected: () => live() !== undefined,
    /**
     * Sends a MESSAGE_CREATE to the connected bot.
     * @param message `channel_id`, `author` ({id, username, bot?}), `content`, `guild_id` (absent: a DM), `mentions`.
     * @returns The message id.
     */
    sendMessage(message: {
      channel_id: string;
      author: { id: string; username: string; bot?: boolean };
      content: string;
      guild_id?: string;
      mentions?: { id: string; username: string }[];
    }): string {
      const ws = live();
      if (!ws) throw new Error("Cannot send a MESSAGE_CREATE: no bot is connected");
      const id = snowflake();
      dispatch(ws, "MESSAGE_CREATE", {
        id,
        type: 0,
        tts: false,
        timestamp: new Date().toISOString(),
        mentions: [],
        mention_roles: [],
        attachments: [],
        embeds: [],
        ...message,
      });
      return id;
    },
    /** Drops the Gateway connection without a close frame, as a network failure would. */
    drop(): void {
      for (const ws of sockets) ws.terminate();
    },
    stop: () => server.stop(true),
  };
}

/** A running fake Discord. */
export type FakeDiscord = ReturnType<typeof startFakeDiscord>;
