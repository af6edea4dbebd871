/** What `/api/status` says about the cluster (SPEC §9). */
export interface ClusterStatus {
  instance_id: string;
  /** Instances with a live heartbeat (the last count seen while Redis was down). */
  instances: number;
  redis: "connected" | "down";
}

/**
 * One instance at a time runs a session's agent: the conversation core takes the session's
 * lock before each request of its per-session queue and gives it back after the final reply
 * was stored.
 */
export interface SessionLock {
  /**
   * Takes the session's lease: at once (a function) when this instance holds it already,
   * else a promise that waits for it.
   * @param sessionId The session.
   * @param signal Aborts the wait (the request's connection dropped, shutdown).
   * @returns The release function (call it once, after the reply was stored).
   * @throws {PicoclawError} `agent_error` (the promise rejects) when aborted or after waiting too long.
   */
  acquire(sessionId: string, signal: AbortSignal): (() => void) | Promise<() => void>;
}

/**
 * Fan-out of a session's frames (DESIGN.md "Fan-out goes through a SessionBus"). The Pico
 * channel sends a frame to its own sockets of the session first, then hands it to the bus,
 * which carries it to the session's sockets on other instances; frames from other instances
 * come back through the delivery function.
 */
export interface SessionBus {
  /** The session lease, or `undefined` in one process (the per-session queue is enough there). */
  readonly lock: SessionLock | undefined;
  /** Where frames of other instances go: the channel's own sockets of that session. */
  setDelivery(deliver: (sessionId: string, frame: string) => void): void;
  /** The session's first socket on this instance opened. */
  join(sessionId: string): void;
  /** The session's last socket on this instance closed. */
  leave(sessionId: string): void;
  /** A frame this instance sent to its own sockets of the session; other instances get it too. */
  publish(sessionId: string, frame: string): void;
  /** The cluster part of `/api/status`, or `undefined` in one process. */
  status(): ClusterStatus | undefined;
  close(): Promise<void>;
}

/** One process: the channel's own sockets are all there is, so the bus does nothing. */
export class LocalSessionBus implements SessionBus {
  readonly lock = undefined;
  setDelivery(): void {}
  join(): void {}
  leave(): void {}
  publish(): void {}
  status(): undefined {
    return undefined;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
