import type { Config } from "../config/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { ConnectionState, PicoSocket } from "./connection.ts";

/** How often the sweep sends pings and closes silent or stuck connections. */
export const SWEEP_MS = 250;
/** A reserved slot whose socket never opened is released after this long. */
export const RESERVATION_MS = 10_000;

/**
 * One pass of the liveness sweep: a dashboard socket whose login session expired closes with
 * 4001; a socket whose sends have waited longer than `write_timeout` (a consumer that does not
 * read) is terminated; one silent for `read_timeout` closes with 1001; otherwise it is pinged
 * every `ping_interval`. Handshake reservations older than {@link RESERVATION_MS} are released.
 *
 * @param connections The open sockets.
 * @param pending The reserved handshakes (entries are deleted here).
 * @param pico The live Pico settings (seconds).
 * @param now The sweep's clock (ms).
 * @param log Where a slow consumer is reported.
 */
export function sweepConnections(
  connections: Iterable<PicoSocket>,
  pending: Set<ConnectionState>,
  pico: Config["channels"]["pico"],
  now: number,
  log: Logger,
): void {
  const pingMs = pico.ping_interval * 1000;
  const readMs = pico.read_timeout * 1000;
  const writeMs = pico.write_timeout * 1000;
  for (const ws of connections) {
    const state = ws.data;
    if (state.owner && now >= state.owner.expiresAt) {
      ws.close(4001, "session expired");
    } else if (state.backpressureSince !== 0 && now - state.backpressureSince >= writeMs) {
      log.info("pico connection closed: slow consumer", { id: state.id, session: state.sessionId });
      ws.terminate();
    } else if (now - state.lastSeen >= readMs) {
      ws.close(1001, "read timeout");
    } else if (now - state.lastPing >= pingMs) {
      state.lastPing = now;
      ws.ping();
    }
  }
  for (const state of pending) {
    if (now - state.reservedAt >= RESERVATION_MS) pending.delete(state);
  }
}
