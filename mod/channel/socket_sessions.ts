import type { PicoSocket } from "./connection.ts";
import type { SinkSession } from "./pico_sink.ts";

/** A session's open sockets on this instance (its frames fan out to all of them). */
export class SocketSession implements SinkSession {
  readonly id: string;
  /** The id as a JSON string, serialised once for every frame of the session. */
  readonly idJson: string;
  readonly sockets = new Set<PicoSocket>();

  constructor(id: string) {
    this.id = id;
    this.idJson = JSON.stringify(id);
  }
}

/**
 * The sessions that have open sockets here, each with its sockets. A session is listed from
 * its first socket to its last; a reply for a session with none is simply not delivered here.
 */
export class SocketSessions {
  readonly #sessions = new Map<string, SocketSession>();

  /** Sessions with at least one open socket. */
  get size(): number {
    return this.#sessions.size;
  }

  /** The session's sockets here, if it has any. */
  get(id: string): SocketSession | undefined {
    return this.#sessions.get(id);
  }

  /**
   * Lists an opened socket under its session.
   * @returns True when it is the session's first socket here.
   */
  add(ws: PicoSocket): boolean {
    let session = this.#sessions.get(ws.data.sessionId);
    if (!session) {
      session = new SocketSession(ws.data.sessionId);
      this.#sessions.set(session.id, session);
    }
    session.sockets.add(ws);
    return session.sockets.size === 1;
  }

  /**
   * Forgets a closed socket.
   * @returns True when it was the session's last socket here.
   */
  remove(ws: PicoSocket): boolean {
    const session = this.#sessions.get(ws.data.sessionId);
    if (!session?.sockets.delete(ws)) return false;
    if (session.sockets.size > 0) return false;
    this.#sessions.delete(session.id);
    return true;
  }

  /** The session as a reply's frames name it (its id serialised once when it has sockets). */
  sinkSession(id: string): SinkSession {
    return this.#sessions.get(id) ?? { id, idJson: JSON.stringify(id) };
  }
}
