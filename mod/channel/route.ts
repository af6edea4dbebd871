import type { Server } from "bun";
import type { Context } from "hono";
import {
  type AdmissionStrategy,
  channelFull,
  isWebSocketUpgrade,
  sessionIdFrom,
  upgradeRequired,
} from "./admission.ts";
import type { PicoChannel } from "./channel.ts";
import type { ConnectionState } from "./connection.ts";

/**
 * The one Pico socket route both servers mount (`/pico` and `/pico/ws` on the gateway with the
 * token strategy; `/pico/ws` on the launcher with the dashboard strategy). Checks, in order:
 * the strategy's own (disabled, origin, authentication), capacity 503 with `Retry-After`, not
 * an upgrade 426 with `Upgrade: websocket`, a bad `session_id` 400; then the upgrade.
 *
 * @example
 * app.all("/pico", createPicoSocketRoute(channel, tokenAdmission({ pico, log, metrics })));
 */
export function createPicoSocketRoute(channel: PicoChannel, strategy: AdmissionStrategy) {
  return async function picoSocketRoute(c: Context<{ Bindings: Server<ConnectionState> }>): Promise<Response> {
    const admitted = await strategy.authenticate(c);
    if (!channel.hasCapacity()) throw channelFull();
    if (!isWebSocketUpgrade(c.req.raw)) throw upgradeRequired();
    const sessionId = sessionIdFrom(new URL(c.req.url));
    const upgraded = channel.upgrade(c.env, c.req.raw, {
      kind: strategy.kind,
      sessionId,
      remote: admitted.remote,
      protocol: admitted.protocol,
      owner: admitted.owner,
    });
    if (!upgraded) throw upgradeRequired("The WebSocket handshake is invalid");
    return new Response(null);
  };
}
