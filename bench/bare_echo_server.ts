/**
 * @module
 * The baseline for `bench/gateway.ts`: a bare `Bun.serve` WebSocket echo, no auth, no
 * protocol, no agent. Prints `port=<n>` once listening.
 */

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
      ws.send(message);
    },
  },
});
console.log(`port=${server.port}`);

export {};
