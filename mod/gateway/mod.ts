/**
 * @module
 * The gateway: the Pico Channel WebSocket at `/pico` and the HTTP API on
 * `gateway.host:gateway.port` (default 127.0.0.1:18790), served by `Bun.serve`.
 */

export { createGatewayApp, type Gateway, type GatewayOptions, isAddressInUse, startGateway } from "./server.ts";
