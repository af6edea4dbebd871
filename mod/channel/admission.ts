import type { Context } from "hono";
import { isValidSessionId } from "../config/mod.ts";
import { PicoclawError } from "../errors/mod.ts";

/** How a connection authenticated: the Pico token (`/pico`, gateway `/pico/ws`), or a dashboard session. */
export type ConnectionKind = "pico" | "dashboard";

/** The dashboard login session a socket belongs to: it closes (4001) when that session ends. */
export interface SocketOwner {
  loginSession: string;
  /** When the login session expires (ms). */
  expiresAt: number;
}

/** What an admission strategy found: the subprotocol to echo and, for the dashboard, the owner. */
export interface Admitted {
  /** The exact `Sec-WebSocket-Protocol` entry to echo, or "". */
  protocol: string;
  owner?: SocketOwner;
  /** The peer, for logs. */
  remote: string;
}

/**
 * Who may open a Pico socket on a route. The channel runs the checks every route shares
 * (capacity, upgrade, session id) after the strategy's own (SPEC §3.1 steps 1–3 for the
 * token strategy; own origin and a live session for the dashboard).
 */
export interface AdmissionStrategy {
  kind: ConnectionKind;
  /**
   * Decides whether the request may connect.
   * @throws {PicoclawError} The refusal, with the status and code of the spec.
   */
  authenticate(c: Context): Admitted | Promise<Admitted>;
}

/** Seconds a client is asked to wait when the channel is full. */
export const RETRY_AFTER_FULL_S = 5;

/** Reads `?session_id=`: absent or empty → a new UUID; invalid → 400 `invalid_session_id`. */
export function sessionIdFrom(url: URL): string {
  const requested = url.searchParams.get("session_id");
  if (!requested) return crypto.randomUUID();
  if (!isValidSessionId(requested)) {
    throw new PicoclawError("invalid_session_id", "session_id must be 1-128 characters of A-Z a-z 0-9 . _ : -");
  }
  return requested;
}

/** True when the request asks for a WebSocket upgrade. */
export function isWebSocketUpgrade(req: Request): boolean {
  return req.headers.get("upgrade")?.toLowerCase() === "websocket";
}

/** The 503 for a full channel. */
export function channelFull(): PicoclawError {
  return new PicoclawError("too_many_connections", "The Pico channel has reached max_connections", {
    headers: { "Retry-After": String(RETRY_AFTER_FULL_S) },
  });
}

/** The 426 for a plain HTTP request on a WebSocket route. */
export function upgradeRequired(message = "This endpoint speaks WebSocket only"): PicoclawError {
  return new PicoclawError("upgrade_required", message, { headers: { Upgrade: "websocket" } });
}
