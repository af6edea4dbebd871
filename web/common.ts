/** Helpers shared by the dashboard's page scripts. */

/** An API error with the server's code, message and HTTP status. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly retryAfter: number;

  constructor(status: number, code: string, message: string, retryAfter: number) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/** Calls a JSON API on this origin (the session cookie goes along); a body is sent with `method` (POST unless given). Throws `ApiError` on failure. */
export async function api<T = Record<string, unknown>>(path: string, body?: unknown, method = "POST"): Promise<T> {
  const init: RequestInit = { credentials: "same-origin", headers: { accept: "application/json" } };
  if (body !== undefined) {
    init.method = method;
    init.headers = { accept: "application/json", "content-type": "application/json" };
    init.body = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, "network", "Cannot reach PicoClaw: is it still running?", 0);
  }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const retryAfter = Number(res.headers.get("retry-after") ?? 0);
    throw new ApiError(res.status, data.error ?? "error", describeError(res.status, data, retryAfter), retryAfter);
  }
  return data as T;
}

function describeError(status: number, data: { error?: string; message?: string }, retryAfter: number): string {
  if (status === 429) return `Too many failed attempts. Try again in ${retryAfter} s.`;
  if (data.error === "invalid_token") return "That token is not right.";
  return data.message ?? `Request failed (${status})`;
}

/** The element with this id (throws if the page lacks it, which is a bug). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`Missing element #${id}`);
  return el as T;
}

/** Shows a message in a status element, or hides it when `text` is empty. */
export function show(el: HTMLElement, text: string): void {
  el.textContent = text;
  el.hidden = text === "";
}

/** Puts `text` on the clipboard, or shows it selected in `fallback` where the clipboard is not allowed. */
export async function copyText(text: string, fallback: HTMLInputElement): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    fallback.value = text;
    fallback.hidden = false;
    fallback.select();
    return false;
  }
}
