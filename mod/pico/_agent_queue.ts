import type { Logger } from "../log/mod.ts";

/** One remote message for the local agent. */
export interface AgentJob {
  /** The remote's own session id (the reply goes back with it). */
  sessionId: string;
  content: string;
  /** Inline `data:image/...;base64` URLs, already checked. */
  media: string[];
}

/** What an `AgentQueue` needs. */
export interface AgentQueueOptions {
  /** At most this many jobs wait (the running one aside); past that the oldest are dropped. */
  max: number;
  /** Runs one job; `signal` aborts when the queue is closed. */
  run: (job: AgentJob, signal: AbortSignal) => Promise<void>;
  log: Logger;
}

/**
 * The remote's messages waiting for the local agent, run one at a time in arrival order
 * (SPEC §4). It is bounded: past `max` waiting jobs the oldest is dropped, and a burst of
 * drops is logged with one warning, not one line per drop. `close()` (the connection
 * dropped) forgets the waiting jobs and aborts the running one.
 */
export class AgentQueue {
  readonly #options: AgentQueueOptions;
  readonly #waiting: AgentJob[] = [];
  readonly #abort = new AbortController();
  #running = false;
  /** Jobs dropped since the queue last ran dry; the first drop of a burst logs the warning. */
  #dropped = 0;

  /** @param options The bound, the runner and the logger. */
  constructor(options: AgentQueueOptions) {
    this.#options = options;
  }

  /** Jobs waiting (not counting the running one). */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Adds a job; drops the oldest waiting one when `max` are already waiting. */
  push(job: AgentJob): void {
    if (this.#abort.signal.aborted) return;
    if (this.#waiting.length >= this.#options.max) {
      this.#waiting.shift();
      if (this.#dropped++ === 0) {
        this.#options.log.warn("pico client: the remote sends faster than the agent answers; dropping the oldest", {
          max_waiting: this.#options.max,
        });
      }
    }
    this.#waiting.push(job);
    if (!this.#running) void this.#drain();
  }

  /** Forgets the waiting jobs and aborts the running one; later pushes are ignored. */
  close(): void {
    this.#waiting.length = 0;
    this.#abort.abort();
  }

  async #drain(): Promise<void> {
    this.#running = true;
    const signal = this.#abort.signal;
    for (let job = this.#waiting.shift(); job && !signal.aborted; job = this.#waiting.shift()) {
      try {
        await this.#options.run(job, signal);
      } catch (err) {
        if (!signal.aborted) this.#options.log.warn("pico client: the agent failed; no reply sent", { error: err });
      }
    }
    this.#running = false;
    if (this.#dropped > 0 && !signal.aborted) {
      this.#options.log.info("pico client: caught up with the remote", { dropped: this.#dropped });
    }
    this.#dropped = 0;
  }
}
