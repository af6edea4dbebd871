import type { ServerWebSocket } from "bun";
import type { ConnectionKind, SocketOwner } from "./admission.ts";

let nextConnectionId = 1;

/**
 * Per-connection state, stored in `ws.data` at upgrade. Kept small and timer-free:
 * one channel-wide sweep handles pings, read timeouts and slow consumers.
 */
export class ConnectionState {
  readonly id: number = nextConnectionId++;
  readonly kind: ConnectionKind;
  readonly sessionId: string;
  /** The Pico token generation this connection authenticated with (rotation closes older ones). */
  readonly tokenGeneration: number;
  readonly remote: string;
  /** The subprotocol echoed at upgrade, if any. */
  readonly protocol: string;
  /** The dashboard login session this socket belongs to (closed 4001 when it ends; a token change moves it). */
  owner?: SocketOwner;
  /** When the upgrade was accepted; the slot is reserved until `open`. */
  readonly reservedAt: number;
  /** Last time anything (frame, ping or pong) arrived. */
  lastSeen: number;
  /** Last time the server sent a ping. */
  lastPing: number;
  /** When a send first hit backpressure without a drain since; 0 when flowing. */
  backpressureSince = 0;
  /** Rate-limit bucket: frames allowed now, and when it was last refilled. */
  tokens: number;
  tokensAt: number;
  /** Last time this connection was told `rate_limited`. */
  rateNoticeAt = 0;

  constructor(
    init: {
      kind: ConnectionKind;
      sessionId: string;
      tokenGeneration: number;
      remote: string;
      protocol: string;
      owner?: SocketOwner;
    },
    now: number,
    burst: number,
  ) {
    this.kind = init.kind;
    this.sessionId = init.sessionId;
    this.tokenGeneration = init.tokenGeneration;
    this.remote = init.remote;
    this.protocol = init.protocol;
    this.owner = init.owner;
    this.reservedAt = now;
    this.lastSeen = now;
    this.lastPing = now;
    this.tokens = burst;
    this.tokensAt = now;
  }

  /**
   * Token bucket: `rate` frames per second, bursts up to one second's worth; 0 = no limit.
   * @returns False when the frame is over the limit (and is to be dropped).
   */
  takeRateToken(rate: number, now: number): boolean {
    if (rate === 0) return true;
    this.tokens = Math.min(rate, this.tokens + ((now - this.tokensAt) / 1000) * rate);
    this.tokensAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** A Pico WebSocket as Bun gives it to the handlers. */
export type PicoSocket = ServerWebSocket<ConnectionState>;
