/**
 * @module
 * A second baseline for `bench/gateway.ts`: a bare `Bun.serve` WebSocket that answers each
 * message with the three frames the Pico protocol requires (`typing.start`, the reply,
 * `typing.stop`), with no parsing, auth or agent. It shows what the protocol's extra frames
 * cost by themselves. Prints `port=<n>` once listening.
 */

const TYPING_START = '{"type":"typing.start","session_id":"bench","timestamp":0,"payload":{}}';
const TYPING_STOP = '{"type":"typing.stop","session_id":"bench","timestamp":0,"payload":{}}';

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(req, srv) {
    if (srv.upgrade(req, { data: undefined })) return undefined;
    return new Response("upgrade required", { status: 426 });
  },
  websocket: {
    idleTimeout: 0,
    perMessageDeflate: false,
    message(ws, message) {
      ws.send(TYPING_START);
      ws.send(`{"type":"message.create",${String(message).slice(1)}`);
      ws.send(TYPING_STOP);
    },
  },
});
console.log(`port=${server.port}`);

export {};
