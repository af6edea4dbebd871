/** Turns the API's error bodies into sentences a person reads in the page (no field paths, no zod jargon). */

/** One field's problem, as a 400 `invalid_request` lists it in `details`. */
export interface FieldProblem {
  field: string;
  message: string;
}

const LABELS: Record<string, string> = {
  body: "The request",
  token: "The token",
  confirm: "The repeated token",
  current: "The current token",
  url: "The remote URL",
  session_id: "The session id",
  content: "The message",
  enabled: "The on/off switch",
  base_url: "The base URL",
  api_key: "The API key",
  system_prompt: "The system prompt",
  allow_from: "The list of allowed senders",
};

const TYPE_WORDS: Record<string, string> = {
  boolean: "on or off",
  number: "a number",
  string: "text",
  array: "a list",
  object: "a set of fields",
};

function label(field: string): string {
  const last = field.split(".").at(-1) ?? field;
  return LABELS[last] ?? `The ${last.replaceAll("_", " ")}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function sentence(text: string): string {
  const trimmed = capitalize(text.trim());
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/**
 * One field's problem as a sentence.
 *
 * @param problem The field (a dotted path) and the schema's message.
 * @returns E.g. "The token must be at least 16 characters." or "The remote URL is missing."
 * @example
 * describeProblem({ field: "enabled", message: "Invalid input: expected boolean, received string" });
 * // "The on/off switch must be on or off."
 */
export function describeProblem(problem: FieldProblem): string {
  const { field, message } = problem;
  const expected = /^Invalid input: expected (\w+), received (\w+)/.exec(message);
  if (expected) {
    if (expected[2] === "undefined") return `${label(field)} is missing.`;
    return `${label(field)} must be ${TYPE_WORDS[expected[1]] ?? expected[1]}.`;
  }
  if (/^(must|is|cannot|should|has)\b/.test(message)) return sentence(`${label(field)} ${message}`);
  // The config schema's own wording: "expected an http:// or https:// URL, got \"ftp://x\"".
  const config = /^expected (.+?)(?:, got (.+))?$/i.exec(message);
  if (config) return sentence(`${label(field)} must be ${config[1]}${config[2] ? ` (not ${config[2]})` : ""}`);
  return sentence(message);
}

/**
 * The message to show for an API error body: its field problems as sentences when it lists
 * them, else its message, without a leading key path (`channels.pico_client.url: set ...`).
 *
 * @param data The JSON error body (`{error, message, details?}`).
 * @param fallback What to say when the body has no message.
 * @returns One or more sentences.
 */
export function describeApiError(
  data: { message?: string; details?: unknown },
  fallback: string,
): string {
  if (Array.isArray(data.details) && data.details.length > 0 && data.details.every(isFieldProblem)) {
    return data.details.map(describeProblem).join(" ");
  }
  if (!data.message) return fallback;
  return sentence(data.message.replace(/^[a-z_]+(\.[a-z_]+)+: /, ""));
}

function isFieldProblem(value: unknown): value is FieldProblem {
  const v = value as FieldProblem;
  return typeof v === "object" && v !== null && typeof v.field === "string" && typeof v.message === "string";
}
