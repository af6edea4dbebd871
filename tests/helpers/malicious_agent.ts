/**
 * @module
 * A malicious OpenAI-compatible Chat Completions server on 127.0.0.1 (real HTTP, real SSE
 * wire format) for the agent bounds tests. The last user message picks the misbehaviour:
 *
 * - `endless-line`: an SSE `data:` line that never ends (no newline, ever);
 * - `endless-event`: short `data:` lines forever with no blank line, so the event never ends;
 * - `endless-deltas`: well-formed small content deltas forever;
 * - `huge-json`: a non-streamed JSON answer whose content never ends (no Content-Length);
 * - `huge-error`: status 500 with an error body that never ends;
 * - `redirect`: 307 to a second server, which records whether it was ever called;
 * - anything else: a short, well-behaved reply `ok: <first 40 characters of the message>`, as SSE
 *   or JSON as the request asks.
 *
 * Every endless body is produced on demand (`pull`), so the server itself stays small, and
 * stops after `capBytes` (256 MiB by default) so a broken client cannot make a test run forever.
 */

/** The misbehaviours, named by the user message that triggers them. */
export type Misbehaviour =
  | "endless-line"
  | "endless-event"
  | "endless-deltas"
  | "huge-json"
  | "huge-error"
  | "redirect";

/** What the server saw of one request. */
export interface MaliciousRequest {
  mode: Misbehaviour | "ok";
  /** Body bytes the server handed to the connection. */
  bytesSent: number;
  /** True once the client stopped reading: the body was cancelled or the request aborted. */
  closed: boolean;
  /** True when the endless body reached `capBytes` (the client never stopped it). */
  capped: boolean;
  /** The messages the client sent. */
  messages: { role: string; content: unknown }[];
}

const CHUNK_BYTES = 64 * 1024;
const encoder = new TextEncoder();

function sse(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

/** An endless body: `head` once, then `piece` again and again until closed or `capBytes`. */
function endlessBody(record: MaliciousRequest, head: string, piece: string, capBytes: number, signal: AbortSignal) {
  const first = encoder.encode(head);
  const repeated = encoder.encode(piece.repeat(Math.max(1, Math.floor(CHUNK_BYTES / piece.length))));
  signal.addEventListener("abort", () => (record.closed = true), { once: true });
  let started = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (record.closed) return;
      if (record.bytesSent >= capBytes) {
        record.capped = true;
        controller.close();
        return;
      }
      const chunk = started ? repeated : first;
      started = true;
      record.bytesSent += chunk.byteLength;
      controller.enqueue(chunk);
    },
    cancel() {
      record.closed = true;
    },
  }, { highWaterMark: 0 });
}

/**
 * Starts the malicious server and the redirect target.
 *
 * @param options.capBytes Where an endless body stops on its own (default 256 MiB).
 * @returns `baseUrl` (ends in `/v1`), the `requests` seen, `redirectTargetCalls`, and `stop()`.
 */
export function startMaliciousAgent(options: { capBytes?: number } = {}) {
  const capBytes = options.capBytes ?? 256 * 1024 * 1024;
  const requests: MaliciousRequest[] = [];
  const target = { calls: 0 };
  const targetServer = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch() {
      target.calls++;
      return Response.json({ choices: [{ index: 0, message: { role: "assistant", content: "redirected!" } }] });
    },
  });
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(req) {
      const url = new URL(req.url);
      if (req.method !== "POST" || url.pathname !== "/v1/chat/completions") return new Response("no", { status: 404 });
      const body = await req.json() as { stream: boolean; messages: { role: string; content: unknown }[] };
      const last = String(body.messages.at(-1)?.content ?? "");
      const mode = (["endless-line", "endless-event", "endless-deltas", "huge-json", "huge-error", "redirect"] as const)
        .find((m) => last === m) ?? "ok";
      const record: MaliciousRequest = { mode, bytesSent: 0, closed: false, capped: false, messages: body.messages };
      requests.push(record);
      const sseHeaders = { "content-type": "text/event-stream", "cache-control": "no-cache" };
      const delta = (content: string) => sse({ choices: [{ index: 0, delta: { content } }] });
      switch (mode) {
        case "endless-line":
          return new Response(
            endlessBody(record, 'data: {"choices":[{"delta":{"content":"', "x", capBytes, req.signal),
            {
              headers: sseHeaders,
            },
          );
        case "endless-event":
          return new Response(endlessBody(record, "", "data: xxxxxxxxxxxxxxxxxxxxxxxxxx\n", capBytes, req.signal), {
            headers: sseHeaders,
          });
        case "endless-deltas":
          return new Response(endlessBody(record, "", delta("x".repeat(100)), capBytes, req.signal), {
            headers: sseHeaders,
          });
        case "huge-json":
          return new Response(
            endlessBody(
              record,
              '{"choices":[{"index":0,"message":{"role":"assistant","content":"',
              "y",
              capBytes,
              req.signal,
            ),
            { headers: { "content-type": "application/json" } },
          );
        case "huge-error":
          return new Response(endlessBody(record, '{"error":{"message":"', "z", capBytes, req.signal), {
            status: 500,
            headers: { "content-type": "application/json" },
          });
        case "redirect":
          return new Response(null, {
            status: 307,
            headers: { location: `http://127.0.0.1:${targetServer.port}/v1/chat/completions` },
          });
        default:
          if (!body.stream) {
            return Response.json({
              choices: [{ index: 0, message: { role: "assistant", content: `ok: ${last.slice(0, 40)}` } }],
            });
          }
          return new Response(delta(`ok: ${last.slice(0, 40)}`) + "data: [DONE]\n\n", { headers: sseHeaders });
      }
    },
  });
  return {
    baseUrl: `http://127.0.0.1:${server.port}/v1`,
    requests,
    /** How many requests reached the redirect target. */
    redirectTargetCalls: () => target.calls,
    stop: () => {
      server.stop(true);
      targetServer.stop(true);
    },
  };
}

/** Polls until `check()` is true or `timeoutMs` passes; returns the last result. */
export async function eventually(check: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await Bun.sleep(10);
  }
  return true;
}
