/** What the fake server should do with the next requests. */
export interface FakeOpenAIBehaviour {
  /** Reply text, sent as SSE deltas of `chunkSize` characters (or whole when not streaming). */
  reply: string;
  chunkSize?: number;
  /** Milliseconds between SSE deltas. */
  delayMs?: number;
  /** Answer every request with this status and an OpenAI-style error body. */
  failStatus?: number;
  /** Never answer (for timeouts). */
  hang?: boolean;
  /** Hold every answer until this settles (requests are still recorded as they come). */
  gate?: Promise<void>;
  /** The ids `GET /v1/models` lists; when set, a chat request for another model gets 404 `model_not_found`. */
  models?: string[];
  /** `GET /v1/models` answers 404, as on servers without a model list. */
  noModelList?: boolean;
  /** Answer 200 with a body that is not JSON (both routes). */
  garbage?: boolean;
  /** Put the request's Authorization header into the reply (a hostile server echoing the key). */
  echoAuthorization?: boolean;
}

/** A request the fake server received. */
export interface FakeOpenAIRequest {
  authorization: string | null;
  body: { model: string; stream: boolean; messages: { role: string; content: unknown }[] };
}

/**
 * A small OpenAI-compatible Chat Completions server on 127.0.0.1 speaking the real wire
 * format: `POST /v1/chat/completions`, Bearer API key, JSON or SSE (`data: {...}` deltas
 * then `data: [DONE]`), and `GET /v1/models` (`{object: "list", data: [{id}]}`). The only
 * outside world the tests fake.
 */
export function startFakeOpenAI(apiKey: string, behaviour: FakeOpenAIBehaviour) {
  const requests: FakeOpenAIRequest[] = [];
  const modelListRequests: { authorization: string | null }[] = [];
  const encoder = new TextEncoder();
  const authorized = (req: Request) => req.headers.get("authorization") === `Bearer ${apiKey}`;
  async function models(req: Request): Promise<Response> {
    modelListRequests.push({ authorization: req.headers.get("authorization") });
    if (!authorized(req)) {
      return Response.json({ error: { message: "Incorrect API key provided", code: "invalid_api_key" } }, {
        status: 401,
      });
    }
    if (behaviour.hang) return await new Promise<Response>(() => {});
    if (behaviour.noModelList) return new Response("no", { status: 404 });
    if (behaviour.garbage) return new Response("<html>surprise</html>", { headers: { "content-type": "text/html" } });
    const ids = behaviour.models ?? ["fake-model"];
    return Response.json({ object: "list", data: ids.map((id) => ({ id, object: "model", owned_by: "fake" })) });
  }
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(req) {
      const url = new URL(req.url);
      if (req.method === "GET" && url.pathname === "/v1/models") return models(req);
      if (req.method !== "POST" || url.pathname !== "/v1/chat/completions") return new Response("no", { status: 404 });
      const body = await req.json();
      requests.push({ authorization: req.headers.get("authorization"), body });
      if (!authorized(req)) {
        return Response.json({
          error: {
            message: `Incorrect API key provided: ${req.headers.get("authorization")}`,
            type: "invalid_request_error",
            code: "invalid_api_key",
          },
        }, { status: 401 });
      }
      if (behaviour.hang) return await new Promise<Response>(() => {});
      if (behaviour.gate) await behaviour.gate;
      if (behaviour.garbage) return new Response("<html>surprise</html>", { headers: { "content-type": "text/html" } });
      if (behaviour.models && !behaviour.models.includes(body.model)) {
        return Response.json({
          error: {
            message: `The model ${body.model} does not exist`,
            type: "invalid_request_error",
            code: "model_not_found",
          },
        }, { status: 404 });
      }
      const reply = behaviour.echoAuthorization
        ? `${behaviour.reply} ${req.headers.get("authorization")}`
        : behaviour.reply;
      if (behaviour.failStatus) {
        return Response.json({ error: { message: `boom with ${apiKey}`, type: "server_error" } }, {
          status: behaviour.failStatus,
        });
      }
      if (!body.stream) {
        return Response.json({
          id: "chatcmpl-1",
          object: "chat.completion",
          choices: [{ index: 0, message: { role: "assistant", content: reply }, finish_reason: "stop" }],
        });
      }
      const size = behaviour.chunkSize ?? 4;
      const parts: string[] = [];
      for (let i = 0; i < reply.length; i += size) parts.push(reply.slice(i, i + size));
      const stream = new ReadableStream({
        async start(controller) {
          const send = (data: string) => controller.enqueue(encoder.encode(`data: ${data}\n\n`));
          send(JSON.stringify({ choices: [{ index: 0, delta: { role: "assistant" } }] }));
          for (const part of parts) {
            if (behaviour.delayMs) await Bun.sleep(behaviour.delayMs);
            send(JSON.stringify({ id: "chatcmpl-1", choices: [{ index: 0, delta: { content: part } }] }));
          }
          send(JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }));
          send("[DONE]");
          controller.close();
        },
      });
      return new Response(stream, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
    },
  });
  return {
    baseUrl: `http://127.0.0.1:${server.port}/v1`,
    requests,
    modelListRequests,
    behaviour,
    stop: () => server.stop(true),
  };
}
