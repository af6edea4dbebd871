/** Every error code the program can put on the wire or print, as named in SPEC.md. */
export type ErrorCode =
  | "config_error"
  | "usage_error"
  | "port_in_use"
  | "write_failed"
  | "channel_disabled"
  | "origin_not_allowed"
  | "unauthorized"
  | "too_many_connections"
  | "upgrade_required"
  | "invalid_session_id"
  | "invalid_message"
  | "unknown_type"
  | "empty_content"
  | "invalid_media"
  | "agent_error"
  | "rate_limited"
  | "invalid_request"
  | "payload_too_large"
  | "not_found"
  | "invalid_token"
  | "already_initialized"
  | "csrf"
  | "host_not_allowed"
  | "unsupported_media_type"
  | "token_from_env"
  | "history_unavailable"
  | "internal_error";

/** Extra context an error may carry to the edge that prints it. */
export interface PicoclawErrorOptions extends ErrorOptions {
  /** HTTP headers the response needs, e.g. `WWW-Authenticate` or `Retry-After`. */
  headers?: Record<string, string>;
  /** Structured detail for the JSON body, e.g. the field problems of a request. */
  details?: unknown;
}

/** An error the user should see, with a stable code from SPEC.md. */
export class PicoclawError extends Error {
  readonly code: ErrorCode;
  readonly headers?: Record<string, string>;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, options?: PicoclawErrorOptions) {
    super(message, options);
    this.name = "PicoclawError";
    this.code = code;
    this.headers = options?.headers;
    this.details = options?.details;
  }
}

/** One thing wrong with one config source: a file (with line/column for syntax), or an env variable. */
export interface ConfigProblem {
  /** The file path, env variable name, or flag the problem is in. */
  source: string;
  /** 1-based line of a syntax error, when known. */
  line?: number;
  /** 1-based column of a syntax error, when known. */
  column?: number;
  /** Dotted key path of a schema error, e.g. `channels.pico.ping_interval`. */
  keyPath?: string;
  /** What is wrong, e.g. `expected a positive integer, got "abc"`. */
  message: string;
}

/** Formats one problem as `source:line:column: key.path: message`. */
function formatProblem(p: ConfigProblem): string {
  let where = p.source;
  if (p.line !== undefined) where += `:${p.line}`;
  if (p.column !== undefined) where += `:${p.column}`;
  return p.keyPath ? `${where}: ${p.keyPath}: ${p.message}` : `${where}: ${p.message}`;
}

/** The config could not be loaded or is invalid; lists every problem found. Exit code 2. */
export class ConfigError extends PicoclawError {
  readonly problems: readonly ConfigProblem[];
  /** Warnings found while loading (unknown keys...), often the reason for a problem. */
  readonly warnings: readonly string[];

  constructor(problems: ConfigProblem[], options?: ErrorOptions & { warnings?: readonly string[] }) {
    super("config_error", problems.map(formatProblem).join("\n"), options);
    this.name = "ConfigError";
    this.problems = problems;
    this.warnings = options?.warnings ?? [];
  }
}

/** The command line is wrong: unknown command or flag, or a bad flag value. Exit code 2. */
export class UsageError extends PicoclawError {
  /** Usage text to print after the message. */
  readonly usage: string;

  constructor(message: string, usage: string) {
    super("usage_error", message);
    this.name = "UsageError";
    this.usage = usage;
  }
}
