import type { Logger } from "../log/mod.ts";
import { batchText, type RowValues } from "./_write_batch.ts";

/** A batch is written at most this long after its first message. */
export const FLUSH_INTERVAL_MS = 100;
/** After a failed write, the next try waits this long. */
const RETRY_INTERVAL_MS = 1000;
/**
 * The pending batch is handed over at once past these bounds (rows, and characters of their
 * contents), and trimmed (oldest first) if that cannot be done.
 */
export const MAX_PENDING_ROWS = 10_000;
const MAX_PENDING_CHARS = 32 * 1024 * 1024;

/**
 * The writer thread's file. The compiled binary embeds it as an entrypoint of its own (Makefile
 * `ENTRYPOINTS`) at a fixed path of its embedded file system: with `--bytecode`, `import.meta.url`
 * names the file on the build machine instead, so `new URL("./writer_worker.ts", import.meta.url)`
 * would load it from that machine's path (or fail). From source it sits beside this file. Never
 * relative to the working directory.
 */
const WRITER_WORKER = Bun.main.startsWith("/$bunfs/")
  ? "/$bunfs/root/mod/history/writer_worker.js"
  : new URL("./writer_worker.ts", import.meta.url).href;

/** What the main thread asks the writer worker (`writer_worker.ts`); answers come back in order. */
export type WriterRequest =
  | { type: "open"; path: string; maxMessages: number; maxSessions: number }
  | { type: "write"; id: number; rows: string } // batchText()
  | { type: "delete"; id: number; sessionId: string }
  | { type: "close"; id: number };

/** The worker's answer to one request: `value` is what a delete found, `error` why it failed. */
export type WriterReply = { id: number; ok: true; value: boolean } | { id: number; ok: false; error: string };

/** Bun's Worker: `ref()`/`unref()` say whether it keeps the process alive (the DOM type lacks them). */
type BunWorker = Worker & { ref(): void; unref(): void };

/** Options of {@link HistoryWriter}. */
export interface HistoryWriterOptions {
  maxMessages: number;
  maxSessions: number;
  log: Logger | undefined;
  onTransaction: ((rows: number) => void) | undefined;
}

/**
 * The write side of the SQLite history, kept off the main thread: appended rows collect in a
 * pending batch that is handed to a worker owning the write connection at most every 100 ms
 * (at once past the pending bounds or when a read waits for it). One batch is in flight at a
 * time; while the worker writes it the next one collects. A failed batch goes back to the front
 * of the pending rows (bounded: the oldest are dropped and counted), is logged once per failure
 * spell and tried again every second.
 */
export class HistoryWriter {
  readonly #path: string;
  readonly #options: HistoryWriterOptions;
  #worker: BunWorker | undefined;
  #nextId = 1;
  readonly #replies = new Map<number, (reply: WriterReply) => void>();
  #pending: RowValues[] = [];
  #pendingChars = 0;
  /** Rows ever appended; a batch covers every row up to its `end`. */
  #appended = 0;
  /** Every row up to this count is committed (or was dropped). */
  #committed = 0;
  #inFlight = false;
  /** The timer fired while a batch was in flight: hand the next one over as soon as it is back. */
  #due = false;
  /** Who waits for rows up to `upTo`; a `barrier` (a delete) also keeps later rows out of the batch until it is posted. */
  #waiters: { upTo: number; resolve: () => void; barrier: boolean }[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #failing = false;
  #dropped = 0;

  constructor(path: string, options: HistoryWriterOptions) {
    this.#path = path;
    this.#options = options;
  }

  /** Rows appended but not yet handed to the worker (for tests). */
  get unsent(): number {
    return this.#pending.length;
  }

  /** Queues one row; past the pending bounds hands the batch over at once. */
  append(row: RowValues): void {
    this.#pending.push(row);
    this.#appended++;
    const [, , content] = row;
    this.#pendingChars += content.length;
    if (this.#pending.length >= MAX_PENDING_ROWS || this.#pendingChars >= MAX_PENDING_CHARS) {
      if (!this.#failing && !this.#inFlight) this.#send();
      else {
        this.#due = !this.#failing; // while failing, the retry timer sends
        this.#trimPending();
      }
    } else {
      this.#schedule(FLUSH_INTERVAL_MS);
    }
  }

  /**
   * Hands the pending rows over now.
   * @returns Resolves once every row appended before the call is committed, or its write failed.
   */
  settled(): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#whenSettled(resolve, false);
    return promise;
  }

  /**
   * Deletes a session in the worker, after every row appended before the call was written and
   * before any row appended after it (those start the session anew).
   * @returns Whether the session existed.
   * @throws {Error} If the worker could not delete it.
   */
  async deleteSession(sessionId: string): Promise<boolean> {
    const { promise, resolve } = Promise.withResolvers<WriterReply>();
    // Posted synchronously once the rows before it are back, ahead of the next batch.
    this.#whenSettled(() => resolve(this.#request({ type: "delete", id: this.#nextId++, sessionId })), true);
    const reply = await promise;
    if (!reply.ok) throw new Error(reply.error);
    return reply.value;
  }

  /**
   * Calls `then` (synchronously, before any later batch is sent) once every row appended so far
   * is committed or failed; a `barrier` keeps the rows appended after it out of every batch sent before.
   */
  #whenSettled(then: () => void, barrier: boolean): void {
    const upTo = this.#appended;
    if (this.#committed >= upTo) return then();
    this.#waiters.push({ upTo, resolve: then, barrier });
    if (!this.#inFlight) this.#send();
  }

  /**
   * Writes what is pending, then closes the worker's connection and ends the worker.
   * @returns How many rows could not be written.
   */
  async close(): Promise<number> {
    await this.settled();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const lost = this.#pending.length;
    this.#pending = [];
    if (this.#worker) {
      await this.#request({ type: "close", id: this.#nextId++ });
      this.#worker.terminate();
      this.#worker = undefined;
    }
    return lost;
  }

  #schedule(delay: number): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#inFlight) this.#due = true;
      else this.#send();
    }, delay);
    this.#timer.unref();
  }

  /** Hands every pending row to the worker as one batch (one transaction). */
  #send(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#due = false;
    if (this.#pending.length === 0) return;
    // Nothing is in flight: the rows before the pending ones are committed or were dropped.
    const first = this.#appended - this.#pending.length;
    this.#release(first);
    let count = this.#pending.length;
    for (const waiter of this.#waiters) if (waiter.barrier) count = Math.min(count, waiter.upTo - first);
    const rows = this.#pending.slice(0, count);
    const end = first + count;
    this.#pending = this.#pending.slice(count);
    this.#pendingChars = this.#pending.reduce((sum, [, , content]) => sum + content.length, 0);
    this.#inFlight = true;
    void this.#request({ type: "write", id: this.#nextId++, rows: batchText(rows) })
      .then((reply) => this.#written(rows, end, reply));
  }

  #written(rows: RowValues[], end: number, reply: WriterReply): void {
    this.#inFlight = false;
    if (reply.ok) {
      this.#committed = end;
      if (this.#failing || this.#dropped > 0) {
        this.#options.log?.info("Chat history writes work again", { dropped: this.#dropped });
        this.#failing = false;
        this.#dropped = 0;
      }
      this.#options.onTransaction?.(rows.length);
      this.#release(end);
      if (this.#waiters.length > 0 || this.#due) this.#send();
      else if (this.#pending.length > 0) this.#schedule(FLUSH_INTERVAL_MS);
      return;
    }
    if (!this.#failing) {
      this.#options.log?.error(`Cannot write chat history ${this.#path}: ${reply.error}; retrying every second`);
    }
    this.#failing = true;
    this.#pending = rows.concat(this.#pending);
    this.#pendingChars = this.#pending.reduce((sum, [, , content]) => sum + content.length, 0);
    this.#trimPending();
    // Whoever waited gets the answer now (what is on disk): the rows wait for the retry.
    for (const waiter of this.#waiters.splice(0)) waiter.resolve();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#schedule(RETRY_INTERVAL_MS);
  }

  /** Answers (in order) whoever waits for rows up to `end` at most. */
  #release(end: number): void {
    const waiting = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiting) {
      if (waiter.upTo <= end) waiter.resolve();
      else this.#waiters.push(waiter);
    }
  }

  /** Keeps the pending batch within its bounds by dropping its oldest rows. */
  #trimPending(): void {
    let drop = 0;
    let chars = this.#pendingChars;
    while (
      drop < this.#pending.length && (this.#pending.length - drop > MAX_PENDING_ROWS || chars > MAX_PENDING_CHARS)
    ) {
      const [, , content] = this.#pending[drop++];
      chars -= content.length;
    }
    if (drop === 0) return;
    if (!this.#failing && this.#dropped === 0) {
      this.#options.log?.error(`Cannot write chat history ${this.#path}: the writer is behind; dropping the oldest`);
    }
    this.#pending = this.#pending.slice(drop);
    this.#pendingChars = chars;
    this.#dropped += drop;
  }

  /** Posts a request to the worker (started on first use, again after it died) and resolves with its answer. */
  #request(request: Exclude<WriterRequest, { type: "open" }>): Promise<WriterReply> {
    const worker = this.#worker ?? this.#start();
    const { promise, resolve } = Promise.withResolvers<WriterReply>();
    this.#replies.set(request.id, resolve);
    worker.ref(); // an answer is owed: the process waits for it
    worker.postMessage(request);
    return promise;
  }

  #start(): BunWorker {
    const worker = new Worker(WRITER_WORKER) as BunWorker;
    const { maxMessages, maxSessions } = this.#options;
    worker.postMessage({ type: "open", path: this.#path, maxMessages, maxSessions } satisfies WriterRequest);
    worker.addEventListener("message", (event: MessageEvent<WriterReply>) => {
      const resolve = this.#replies.get(event.data.id);
      this.#replies.delete(event.data.id);
      if (this.#replies.size === 0) worker.unref();
      resolve?.(event.data);
    });
    worker.addEventListener("error", (event: ErrorEvent) => {
      // Every open question fails; the next request starts a new worker.
      this.#worker = undefined;
      worker.terminate();
      const replies = [...this.#replies];
      this.#replies.clear();
      for (const [id, resolve] of replies) resolve({ id, ok: false, error: `writer stopped: ${event.message}` });
    });
    worker.unref();
    this.#worker = worker;
    return worker;
  }
}
