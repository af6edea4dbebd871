import type { LogLevel } from "./logger.ts";

/** Levels in order, lowest first (the same order as the logger's). */
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

/** One log entry kept for the Logs page: the same escaped, cut, masked text the log file gets. */
export interface LogEntry {
  /** Grows by one per entry, from 1, for the life of the process. */
  seq: number;
  /** Milliseconds since the epoch. */
  ts: number;
  level: LogLevel;
  msg: string;
  /** Each value as text: escaped, cut at 200 characters, secrets masked. */
  fields: Record<string, string>;
}

/** What `LogRing.query()` answers: entries oldest first, and the `after` to ask with next. */
export interface LogPage {
  entries: LogEntry[];
  next: number;
}

/** Options for `new LogRing()`. */
export interface LogRingOptions {
  /** Entries kept; past this the oldest go. @default 1000 */
  capacity?: number;
}

/** Characters of a message kept in the ring (messages come from the code; this is a backstop). */
export const MAX_RING_MESSAGE_CHARS = 1000;
/** Fields kept per entry; the rest are dropped and counted in a `fields_dropped` field. */
export const MAX_RING_FIELDS = 32;
/** Characters of field names and values (escaped) kept per entry; fields past it are dropped and counted. */
export const MAX_RING_FIELD_CHARS = 4096;

/**
 * The last log entries in memory, for the dashboard's Logs page (SPEC §7.3). Each entry is
 * bounded (message cut, fields cut at 200 characters like the file's, at most `MAX_RING_FIELDS`
 * fields and `MAX_RING_FIELD_CHARS` of field text), so the ring holds at most `capacity`
 * entries of about 5 kB whatever a client sends.
 *
 * @example
 * const ring = new LogRing();
 * const log = createLogger({ ring });
 * log.warn("refused", { ip: "10.0.0.1" });
 * ring.query({ level: "warn", after: 0 }); // { entries: [{ seq: 1, level: "warn", ... }], next: 1 }
 */
export class LogRing {
  readonly #capacity: number;
  readonly #entries: LogEntry[] = [];
  #seq = 0;

  constructor(options: LogRingOptions = {}) {
    this.#capacity = Math.max(1, options.capacity ?? 1000);
  }

  /** The sequence number of the newest entry (0 while empty). */
  get lastSeq(): number {
    return this.#seq;
  }

  /** Adds one entry; the values must already be escaped and cut, as the logger does. */
  push(ts: number, level: LogLevel, msg: string, fields: Record<string, string>): void {
    this.#seq++;
    this.#entries.push({ seq: this.#seq, ts, level, msg, fields });
    if (this.#entries.length > this.#capacity) this.#entries.shift();
  }

  /**
   * The kept entries at `level` or above with `seq > after`, oldest first. `next` is the newest
   * seq, so a client asking again with `after: next` gets only what came since. An `after`
   * beyond the newest seq (the process restarted) is taken as 0.
   */
  query(options: { level?: LogLevel; after?: number } = {}): LogPage {
    const min = LOG_LEVELS.indexOf(options.level ?? "debug");
    const after = (options.after ?? 0) > this.#seq ? 0 : options.after ?? 0;
    const entries = this.#entries
      .filter((e) => e.seq > after && LOG_LEVELS.indexOf(e.level) >= min)
      .map((e) => ({ ...e, fields: { ...e.fields } }));
    return { entries, next: this.#seq };
  }
}
