import type { Secret } from "../config/mod.ts";
import { MAX_JSON_BODY_BYTES, readTextLimited, truncateUtf8 } from "./limits.ts";

/** Why a probe failed (SPEC §7.2). */
export type ProbeError = "unreachable" | "unauthorized" | "model_not_found" | "timeout" | "bad_response";

/** What `POST /api/agent/test` answers. */
export type ProbeResult =
  | { ok: true; latency_ms: number; models?: string[]; reply?: string }
  | { ok: false; error: ProbeError };

/** The agent settings a probe tries (the saved ones, with the dashboard's edits on top). */
export interface ProbeSettings {
  provider: string;
  base_url: string;
  api_key: Secret;
  model: string;
  /** `agent.timeout` in seconds; the probe waits at most this, and never more than 10 s. */
  timeout: number;
}

/** The longest a probe takes, whatever `agent.timeout` says. */
export const MAX_PROBE_MS = 10_000;

/** How long a probe may take. */
export interface ProbeOptions {
  /** The cap on `agent.timeout` (tests lower it). @default MAX_PROBE_MS (10 s) */
  maxMs?: number;
}
/** Model ids kept from a `/models` answer. */
const MAX_MODELS = 1000;
/** Longest model id kept (longer ones are skipped). */
const MAX_MODEL_ID = 256;
/** Bytes of the test reply shown. */
const MAX_REPLY_BYTES = 1000;
/** What the probe asks the model. */
const PROBE_MESSAGE = "Reply with the single word OK.";

class ProbeFailure extends Error {
  constructor(readonly code: ProbeError) {
    super(code);
  }
}

/** Removes the API key from text the server sent (a hostile server could echo it back). */
function scrub(text: string, key: Secret): string {
  return key.isSet ? text.replaceAll(key.reveal(), key.toString()) : text;
}

/** Reads a JSON body of at most 4 MiB; anything else is `bad_response`. */
async function readJson(res: Response): Promise<unknown> {
  const text = await readTextLimited(res.body, MAX_JSON_BODY_BYTES);
  if (text === undefined) throw new ProbeFailure("bad_response");
  try {
    return JSON.parse(text);
  } catch {
    throw new ProbeFailure("bad_response");
  }
}

/** The model ids of an OpenAI `/models` answer (`{data: [{id}]}`), bounded in count and length. */
function modelIds(body: unknown, key: Secret): string[] {
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) throw new ProbeFailure("bad_response");
  const ids: string[] = [];
  for (const entry of data) {
    const id = (entry as { id?: unknown } | null)?.id;
    if (typeof id === "string" && id !== "" && id.length <= MAX_MODEL_ID) ids.push(scrub(id, key));
    if (ids.length >= MAX_MODELS) break;
  }
  return ids;
}

/** True when an error answer names an unknown model (some servers answer 400 rather than 404). */
function namesUnknownModel(body: unknown): boolean {
  const error = (body as { error?: { code?: unknown } } | null)?.error;
  return typeof error?.code === "string" && error.code === "model_not_found";
}

/** Probes an OpenAI-compatible server: `GET /models`, then a one-message chat completion. */
async function probeOpenAI(
  settings: ProbeSettings,
  signal: AbortSignal,
): Promise<{ models?: string[]; reply?: string }> {
  if (!URL.canParse(settings.base_url)) throw new ProbeFailure("unreachable");
  const base = settings.base_url.replace(/\/+$/, "");
  const headers: Record<string, string> = { accept: "application/json" };
  if (settings.api_key.isSet) headers.authorization = `Bearer ${settings.api_key.reveal()}`;
  async function call(path: string, init: RequestInit = {}): Promise<Response> {
    let res: Response;
    try {
      // Never follow a redirect: it would carry the key elsewhere.
      res = await fetch(`${base}${path}`, {
        ...init,
        headers: { ...headers, ...init.headers },
        signal,
        redirect: "manual",
      });
    } catch {
      throw new ProbeFailure("unreachable"); // or the deadline, which probeAgent() checks first
    }
    if (res.status === 401 || res.status === 403) throw new ProbeFailure("unauthorized");
    if (res.status >= 300 && res.status < 400) throw new ProbeFailure("bad_response");
    return res;
  }

  const listed = await call("/models");
  let models: string[] | undefined;
  // A server without a model list (404/405) can still chat; go on without one.
  if (listed.ok) models = modelIds(await readJson(listed), settings.api_key);
  else if (listed.status !== 404 && listed.status !== 405) throw new ProbeFailure("bad_response");
  else await listed.body?.cancel();
  if (settings.model === "") return { models };

  const res = await call("/chat/completions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      model: settings.model,
      messages: [{ role: "user", content: PROBE_MESSAGE }],
      stream: false,
    }),
  });
  if (!res.ok) {
    const body = await readJson(res).catch(() => undefined);
    throw new ProbeFailure(res.status === 404 || namesUnknownModel(body) ? "model_not_found" : "bad_response");
  }
  const body = await readJson(res) as { choices?: { message?: { content?: unknown } }[] } | null;
  const content = body?.choices?.[0]?.message?.content;
  if (typeof content !== "string") throw new ProbeFailure("bad_response");
  return { models, reply: scrub(truncateUtf8(content, MAX_REPLY_BYTES), settings.api_key) };
}

/**
 * Tries agent settings without saving them (SPEC §7.2, `POST /api/agent/test`). For `openai`:
 * `GET {base_url}/models` (the list fills the dashboard's model picker), then, when a model is
 * set, a one-message chat completion. Redirects are not followed, every body read is bounded
 * (4 MiB), the whole probe takes at most `min(timeout, 10 s)`, and the answer never holds the
 * key (not even when the server echoes it). For `echo`: ok, with the echoed reply.
 *
 * @param settings The provider, base URL, key, model and timeout to try.
 * @returns `{ok: true, latency_ms, models?, reply?}`, or `{ok: false, error}` naming the failure.
 * @example
 * const result = await probeAgent({ provider: "openai", base_url, api_key, model: "", timeout: 120 });
 * if (result.ok) console.log(result.models);
 */
export async function probeAgent(settings: ProbeSettings, options: ProbeOptions = {}): Promise<ProbeResult> {
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  if (settings.provider !== "openai") return { ok: true, latency_ms: latency(), reply: PROBE_MESSAGE };
  const deadline = AbortSignal.timeout(Math.min(settings.timeout * 1000, options.maxMs ?? MAX_PROBE_MS));
  try {
    const found = await probeOpenAI(settings, deadline);
    return { ok: true, latency_ms: latency(), ...found };
  } catch (err) {
    if (deadline.aborted) return { ok: false, error: "timeout" };
    if (err instanceof ProbeFailure) return { ok: false, error: err.code };
    return { ok: false, error: "bad_response" };
  }
}
