import { closeSync, fstatSync, mkdirSync, openSync, renameSync, writeSync } from "node:fs";
import { dirname } from "node:path";

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
   * Logs a refusal an outside party can repeat at will: at most one line per `kind` a second,
   * the next one saying how many were left out (`suppressed=N`).
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
}

function formatValue(value: unknown): string {
  const text = value instanceof Error ? value.message : String(value);
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}

/** Formats one log line: `<ISO time> <LEVEL> <message> key=value ...`. */
export function formatLine(level: LogLevel, message: string, fields: LogFields = {}, now = new Date()): string {
  let line = `${now.toISOString()} ${level.toUpperCase().padEnd(5)} ${message}`;
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
  const emit = (level: LogLevel, message: string, fields?: LogFields) => {
    if (LEVELS[level] < min) return;
    const line = formatLine(level, message, fields);
    toStderr?.(line);
    try {
      file?.write(line);
    } catch (err) {
      dropFile(err);
    }
  };
  const refusals = new Map<string, { at: number; suppressed: number }>();
  return {
    refusal: (kind, level, message, fields) => {
      const now = Date.now();
      const seen = refusals.get(kind);
      if (seen && now - seen.at < 1000) {
        seen.suppressed++;
        return;
      }
      const suppressed = seen?.suppressed ?? 0;
      refusals.set(kind, { at: now, suppressed: 0 });
      emit(level, message, suppressed > 0 ? { ...fields, suppressed } : fields);
    },
    debug: (message, fields) => emit("debug", message, fields),
    info: (message, fields) => emit("info", message, fields),
    warn: (message, fields) => emit("warn", message, fields),
    error: (message, fields) => emit("error", message, fields),
    close: () => {
      try {
        file?.close();
      } catch { /* already unusable */ }
    },
  };
}
