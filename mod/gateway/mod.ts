/**
 * @module
 * The gateway: the Pico Channel WebSocket at `/pico` and the HTTP API (`/health`,
 * `/api/status`, `POST /api/messages`, `/metrics`) on `gateway.host:gateway.port`
 * (default 127.0.0.1:18790), served by `Bun.serve`.
 */

export { createApi, MAX_API_BODY_BYTES, MessageRequestSchema, type StatusReport } from "./api.ts";
export { collectPicoCredentials, isOriginAllowed, type PicoCredentials, type PresentedToken } from "./pico_auth.ts";
export { createPicoRoute, isWebSocketUpgrade, sessionIdFrom } from "./pico_route.ts";
export { createGatewayApp, type Gateway, type GatewayOptions, startGateway } from "./server.ts";
