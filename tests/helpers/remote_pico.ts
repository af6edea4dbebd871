import type { Server, ServerWebSocket } from "bun";

/** A frame as the remote received it. */
export interface ReceivedFrame {
  type: string;
  id?: string;
  session_id?: string;
  payload?: Record<string, unknown>;
}

/** What the remote does: greet new connections, answer pings, or stay silent. */
export interface RemoteBehaviour {
  /** Frames sent to each new connection (session_id filled in). */
  greet?: Record<string, unknown>[];
  /** Answer the client's `ping` frames with `pong`. @default true */
  answerPings?: boolean;
  /**
   * Answer each `message.send` like a PicoClaw gateway with an echo agent: `typing.start`,
   * `message.create` (content `re: <content>`, `reply_to` = the frame's id), `typing.stop`.
   */
  answerSends?: boolean;
}

interface Conn {
  sessionId: string;
}

/**
 * A remote Pico server for the Pico client tests, speaking the protocol like the reference
 * echo server: it checks the Bearer token (401 otherwise), sends `message.create` frames,
 * answers pings, and records what the client sends and how it closes.
 */
export function startRemotePico(token: string, behaviour: RemoteBehaviour = {}, port = 0) {
  const received: ReceivedFrame[] = [];
  const closes: number[] = [];
  const handshakes: { authorization: string | null; sessionId: string | null }[] = [];
  const sockets = new Set<ServerWebSocket<Conn>>();
  const server: Server<Conn> = Bun.serve<Conn>({
    hostname: "127.0.0.1",
    port,
    fetch(req, srv) {
      const url = new URL(req.url);
      handshakes.push({
        authorization: req.headers.get("authorization"),
        sessionId: url.searchParams.get("session_id"),
      });
      if (req.headers.get("authorization") !== `Bearer ${token}`) {
        return Response.json({ error: "unauthorized", message: "A valid Pico token is required" }, {
          status: 401,
          headers: { "WWW-Authenticate": "Bearer" },
        });
      }
      const sessionId = url.searchParams.get("session_id") || "remote-session";
      if (srv.upgrade(req, { data: { sessionId } })) return undefined;
      return new Response("upgrade required", { status: 426 });
    },
    websocket: {
      idleTimeout: 0,
      open(ws) {
        sockets.add(ws);
        for (const frame of behaviour.greet ?? []) {
          ws.send(JSON.stringify({ session_id: ws.data.sessionId, timestamp: Date.now(), ...frame }));
        }
      },
      message(ws, message) {
        const frame = JSON.parse(String(message)) as ReceivedFrame;
        received.push(frame);
        if (frame.type === "ping" && behaviour.answerPings !== false) {
          ws.send(JSON.stringify({ type: "pong", id: frame.id, session_id: ws.data.sessionId, timestamp: Date.now() }));
        }
        if (frame.type === "message.send" && behaviour.answerSends) {
          const base = { session_id: ws.data.sessionId, timestamp: Date.now() };
          const payload = {
            message_id: crypto.randomUUID(),
            content: `re: ${frame.payload?.content}`,
            reply_to: frame.id,
          };
          ws.send(JSON.stringify({ ...base, type: "typing.start", payload: {} }));
          ws.send(JSON.stringify({ ...base, type: "message.create", payload }));
          ws.send(JSON.stringify({ ...base, type: "typing.stop", payload: {} }));
        }
      },
      close(ws, code) {
        sockets.delete(ws);
        closes.push(code);
      },
    },
  });
  return {
    port: server.port!,
    url: `ws://127.0.0.1:${server.port}/pico`,
    received,
    closes,
    handshakes,
    sockets,
    /** Sends a frame to every connected client. */
    send: (frame: Record<string, unknown>) => {
      for (const ws of sockets) {
        ws.send(JSON.stringify({ session_id: ws.data.sessionId, timestamp: Date.now(), ...frame }));
      }
    },
    stop: () => server.stop(true),
  };
}

/** Polls until `check` is true (or throws after `timeoutMs`). */
export async function eventually(check: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}
