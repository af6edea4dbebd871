/**
 * @module
 * The gateway: the Pico Channel WebSocket at `/pico` (and `/pico/ws`) and the HTTP API
 * (`/`, `/health`, `/api/status`, `POST /api/messages`, `/metrics`, `/api/openapi.json`) on `gateway.host:gateway.port`
 * (default 127.0.0.1:18790), served by `Bun.serve`.
 */

export { createApi, GatewayStatusSchema, type StatusReport } from "./api.ts";
export {
  createGatewayApp,
  type Gateway,
  GATEWAY_OPENAPI,
  GATEWAY_UNDOCUMENTED,
  type GatewayOptions,
  startGateway,
} from "./server.ts";
