import { closeSync, fstatSync, mkdirSync, openSync, renameSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { type LogRing, MAX_RING_FIELD_CHARS, MAX_RING_FIELDS, MAX_RING_MESSAGE_CHARS } from "./ring.ts";

/** Log levels, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Structured fields printed as `key=value`; `Secret`s print masked. */
export type LogFields = Record<string, unknown>;

/** A logger writing one line per event to stderr and/or a file. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /**
   * Logs a refusal that a client can repeat at will (a foreign Origin, a wrong token) at most
   * once a second per `kind`; the next line of that kind that gets through carries
   * `suppressed=N`, the count left out since the last one. `kind` is a constant from the code,
   * never a value from a request.
   *
   * @example
   * log.refusal("pico_origin", "warn", "pico connection refused: origin not allowed", { ip, origin });
   */
  refusal(kind: string, level: LogLevel, message: string, fields?: LogFields): void;
  /** Closes the log file (writes are synchronous, so nothing is left to flush). */
  close(): void;
}

/** Options for `createLogger()`. */
export interface LoggerOptions {
  /** Lowest level written. @default "info" */
  level?: LogLevel;
  /** Where stderr lines go: true for the process's stderr, a function to capture, false for none. @default true */
  stderr?: boolean | ((line: string) => void);
  /** Log file path; its directory is created 0700, the file 0600. */
  file?: string;
  /** Rotate the file past this size. @default 5 MiB */
  maxFileBytes?: number;
  /** Rotated files kept: `launcher.log.1` … `.N`. @default 3 */
  keepFiles?: number;
  /** The clock, in ms since the epoch, for line times and the refusal limit. @default Date.now */
  now?: () => number;
  /** Also keep each entry written in this ring (the dashboard's Logs page). */
  ring?: LogRing;
}

/** Characters of a field value kept; a longer value is cut and marked with its length. */
export const MAX_VALUE_CHARS = 200;

/** Refusals of one kind logged per this many ms. */
const REFUSAL_INTERVAL_MS = 1000;

/** Kinds tracked by the refusal limit; kinds are constants from the code, this is a backstop. */
const MAX_REFUSAL_KINDS = 1000;

// C0, DEL and C1 (SPEC §2 "Logs"), plus the Unicode line and paragraph separators, which
// some viewers also break lines at: a client must not be able to forge or hide log lines.
// deno-lint-ignore no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const SHORT_ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** Replaces control characters with `\n`, `\r`, `\t` or `\u00XX`, so each log line stays one line. */
export function escapeControl(text: string): string {
  return text.replace(
    CONTROL,
    (ch) => SHORT_ESCAPES[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Cuts `text` at `MAX_VALUE_CHARS` (never inside a surrogate pair) and marks the original length. */
function cut(text: string): string {
  if (text.length <= MAX_VALUE_CHARS) return text;
  const high = text.charCodeAt(MAX_VALUE_CHARS - 1);
  const end = high >= 0xd800 && high <= 0xdbff ? MAX_VALUE_CHARS - 1 : MAX_VALUE_CHARS;
  return `${text.slice(0, end)}…(${text.length} chars)`;
}

/** A value as printed: cut, bare when it has no space, quote, `=`, backslash or control character, else quoted. */
function formatValue(value: unknown): string {
  const text = cut(value instanceof Error ? value.message : String(value));
  // deno-lint-ignore no-control-regex -- matching control characters is the point
  if (/^[^\s"=\\\u0000-\u001f\u007f-\u009f\u2028\u2029]+$/.test(text)) return text;
  return `"${escapeControl(text.replace(/["\\]/g, "\\$&"))}"`;
}

/**
 * A copy of a cut string that does not share the original's memory: a slice may keep the whole
 * original alive (a substring), and the ring keeps 1000 entries for the life of the process.
 */
function detach(text: string): string {
  return Buffer.from(text, "utf16le").toString("utf16le");
}

/** A field value as the Logs page shows it: cut and escaped like the file's, without the quotes. */
function ringValue(value: unknown): string {
  return detach(escapeControl(cut(value instanceof Error ? value.message : String(value))));
}

/**
 * Copies an entry into the ring, bounded: the escaped message cut at `MAX_RING_MESSAGE_CHARS`,
 * and fields kept while their escaped text fits in `MAX_RING_FIELD_CHARS` (at most
 * `MAX_RING_FIELDS` of them); the rest are counted in `fields_dropped`.
 */
function keep(ring: LogRing, at: number, level: LogLevel, message: string, fields: LogFields = {}): void {
  const kept: Record<string, string> = {};
  let count = 0;
  let used = 0;
  let dropped = 0;
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const k = ringValue(key);
    const v = ringValue(value);
    if (count < MAX_RING_FIELDS && used + k.length + v.length <= MAX_RING_FIELD_CHARS) {
      kept[k] = v;
      count++;
      used += k.length + v.length;
    } else dropped++;
  }
  if (dropped > 0) kept.fields_dropped = String(dropped);
  const msg = escapeControl(message);
  ring.push(
    at,
    level,
    detach(msg.length > MAX_RING_MESSAGE_CHARS ? `${msg.slice(0, MAX_RING_MESSAGE_CHARS)}…(${msg.length} chars)` : msg),
    kept,
  );
}

/**
 * Formats one log line: `<ISO time> <LEVEL> <message> key=value ...`. Control characters in
 * the message and the values are escaped; each value is cut at `MAX_VALUE_CHARS`.
 *
 * @example
 * formatLine("warn", "refused", { origin: "x".repeat(300) }); // ... origin=xxx…(300 chars)
 */
export function formatLine(level: LogLevel, message: string, fields: LogFields = {}, now = new Date()): string {
  let line = `${now.toISOString()} ${level.toUpperCase().padEnd(5)} ${escapeControl(message)}`;
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) line += ` ${key}=${formatValue(value)}`;
  }
  return `${line}\n`;
}

/** An append-only log file with size-based rotation, so a Pi's SD card cannot fill up. */
class RotatingFile {
  #fd: number;
  #size: number;
  readonly #path: string;
  readonly #maxBytes: number;
  readonly #keep: number;

  constructor(path: string, maxBytes: number, keep: number) {
    this.#path = path;
    this.#maxBytes = maxBytes;
    this.#keep = keep;
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.#fd = openSync(path, "a", 0o600);
    this.#size = fstatSync(this.#fd).size;
  }

  write(line: string): void {
    const bytes = Buffer.byteLength(line);
    if (this.#size > 0 && this.#size + bytes > this.#maxBytes) this.#rotate();
    writeSync(this.#fd, line);
    this.#size += bytes;
  }

  #rotate(): void {
    closeSync(this.#fd);
    for (let n = this.#keep - 1; n >= 1; n--) {
      try {
        renameSync(`${this.#path}.${n}`, `${this.#path}.${n + 1}`);
      } catch { /* that generation does not exist yet */ }
    }
    if (this.#keep > 0) renameSync(this.#path, `${this.#path}.1`);
    this.#fd = openSync(this.#path, this.#keep > 0 ? "a" : "w", 0o600);
    this.#size = fstatSync(this.#fd).size;
  }

  close(): void {
    closeSync(this.#fd);
  }
}

/**
 * Creates a logger. Lines are written synchronously, so nothing is lost on exit.
 * Never pass a revealed secret in a field: pass the `Secret`, which prints masked.
 *
 * @example
 * const log = createLogger({ file: paths.logFile });
 * log.info("launcher token resolved", { source: "random" });
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const min = LEVELS[options.level ?? "info"];
  const stderr = options.stderr ?? true;
  const toStderr = stderr === true ? (line: string) => writeSync(2, line) : stderr === false ? undefined : stderr;
  let file: RotatingFile | undefined;
  // A log file that cannot be opened or written (read-only or full disk) must not stop the
  // program: say so once on stderr and go on logging to stderr only.
  const dropFile = (err: unknown) => {
    file = undefined;
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    toStderr?.(formatLine("warn", "cannot write the log file; logging to stderr only", { file: options.file, why }));
  };
  if (options.file) {
    try {
      file = new RotatingFile(options.file, options.maxFileBytes ?? 5 * 1024 * 1024, options.keepFiles ?? 3);
    } catch (err) {
      dropFile(err);
    }
  }
  const now = options.now ?? Date.now;
  const emit = (level: LogLevel, message: string, fields?: LogFields) => {
    if (LEVELS[level] < min) return;
    const at = now();
    const line = formatLine(level, message, fields, new Date(at));
    if (options.ring) keep(options.ring, at, level, message, fields);
    toStderr?.(line);
    try {
      file?.write(line);
    } catch (err) {
      dropFile(err);
    }
  };
  const refusals = new Map<string, { last: number; suppressed: number }>();
  return {
    debug: (message, fields) => emit("debug", message, fields),
    info: (message, fields) => emit("info", message, fields),
    warn: (message, fields) => emit("warn", message, fields),
    error: (message, fields) => emit("error", message, fields),
    refusal: (kind, level, message, fields) => {
      if (LEVELS[level] < min) return;
      const at = now();
      const seen = refusals.get(kind);
      if (seen && at - seen.last < REFUSAL_INTERVAL_MS && at >= seen.last) {
        seen.suppressed++;
        return;
      }
      if (!seen && refusals.size >= MAX_REFUSAL_KINDS) refusals.clear();
      refusals.set(kind, { last: at, suppressed: 0 });
      emit(level, message, seen?.suppressed ? { ...fields, suppressed: seen.suppressed } : fields);
    },
    close: () => {
      for (const [kind, seen] of refusals) {
        if (seen.suppressed > 0) emit("warn", "refusals left out of the log", { kind, suppressed: seen.suppressed });
      }
      refusals.clear();
      try {
        file?.close();
      } catch { /* already unusable */ }
    },
  };
}
