import type { Server, ServerWebSocket } from "bun";
import type { ReceivedFrame } from "./remote_pico.ts";

interface Conn {
  /** Resolves the pending wait for `drain`, if any. */
  drained?: () => void;
}

/**
 * A malicious remote Pico server (a real WebSocket server on 127.0.0.1, port 0) for the Pico
 * client's bounds: it accepts the client's Bearer token, and on `flood(n)` sends `n`
 * `message.create` frames as fast as the socket takes them (it waits for `drain` under
 * backpressure, so the test process stays bounded). It can send single frames and drop
 * every connection, and records what the client sends.
 */
export function startFloodPico(token: string) {
  const received: ReceivedFrame[] = [];
  let handshakes = 0;
  const sockets = new Set<ServerWebSocket<Conn>>();
  const server: Server<Conn> = Bun.serve<Conn>({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req, srv) {
      handshakes++;
      if (req.headers.get("authorization") !== `Bearer ${token}`) return new Response("no", { status: 401 });
      if (srv.upgrade(req, { data: {} })) return undefined;
      return new Response("upgrade required", { status: 426 });
    },
    websocket: {
      idleTimeout: 0,
      open: (ws) => void sockets.add(ws),
      drain: (ws) => ws.data.drained?.(),
      message: (_ws, message) => void received.push(JSON.parse(String(message))),
      close: (ws) => void sockets.delete(ws),
    },
  });
  const frame = (type: string, payload: Record<string, unknown>, id?: string) =>
    JSON.stringify({ type, id, session_id: "flood", timestamp: Date.now(), payload });
  const one = () => {
    const [ws] = sockets;
    if (!ws) throw new Error("Cannot send: no client is connected");
    return ws;
  };
  return {
    url: `ws://127.0.0.1:${server.port}/pico`,
    received,
    sockets,
    handshakes: () => handshakes,
    /** Sends `count` distinct `message.create` frames to the connected client; resolves when all are sent. */
    flood: async (count: number, prefix = "flood") => {
      const ws = one();
      for (let i = 0; i < count; i++) {
        const status = ws.send(
          frame("message.create", { message_id: `${prefix}-${i}`, content: `${prefix} message ${i}` }),
        );
        if (status === 0) throw new Error("Cannot flood: the client closed the socket");
        if (status === -1) await new Promise<void>((resolve) => (ws.data.drained = resolve));
      }
    },
    /** Sends one frame to the connected client. */
    send: (type: string, payload: Record<string, unknown> = {}, id?: string) =>
      void one().send(frame(type, payload, id)),
    /** Drops every connection (close code 1011), as a remote that goes away. */
    dropAll: () => {
      for (const ws of sockets) ws.close(1011, "remote going away");
    },
    stop: () => server.stop(true),
  };
}
