import { EventSourceParserStream } from "eventsource-parser/stream";
import type { Secret } from "../config/mod.ts";
import { PicoclawError } from "../errors/mod.ts";
import type { Agent, AgentChunk, AgentRequest } from "./agent.ts";
import { ChatHistory, type ChatMessage } from "./history.ts";

/** What the `openai` provider needs from `config.agent`. */
export interface OpenAIAgentOptions {
  base_url: string;
  api_key: Secret;
  model: string;
  system_prompt: string;
  stream: boolean;
  /** Seconds before a request is abandoned. */
  timeout: number;
}

/** The base URL without credentials, path or query: safe to put in an error message. */
function safeOrigin(baseUrl: string): string {
  try {
    return new URL(baseUrl).origin;
  } catch {
    return "the agent server";
  }
}

function agentError(message: string, cause?: unknown): PicoclawError {
  return new PicoclawError("agent_error", message, { cause });
}

/** Reads `error.code` / `error.type` from an OpenAI-style error body, never its free text. */
async function describeErrorBody(res: Response): Promise<string> {
  try {
    const body = await res.json() as { error?: { code?: unknown; type?: unknown } };
    const code = body?.error?.code ?? body?.error?.type;
    return typeof code === "string" && /^[\w.-]{1,64}$/.test(code) ? ` (${code})` : "";
  } catch {
    return "";
  }
}

/** The user message in Chat Completions form: text, plus image parts for media. */
function userMessage(request: AgentRequest): ChatMessage {
  if (request.media.length === 0) return { role: "user", content: request.content };
  return {
    role: "user",
    content: [
      { type: "text", text: request.content },
      ...request.media.map((url) => ({ type: "image_url", image_url: { url } })),
    ],
  };
}

/** Yields the full text so far for each content delta of an SSE Chat Completions stream. */
async function* readStream(body: ReadableStream<Uint8Array>): AsyncIterable<string> {
  let text = "";
  const decoder = new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>;
  const events = body.pipeThrough(decoder).pipeThrough(new EventSourceParserStream());
  const reader = events.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    if (value.data === "[DONE]") return;
    let chunk: { choices?: { delta?: { content?: unknown } }[]; error?: unknown };
    try {
      chunk = JSON.parse(value.data);
    } catch {
      throw agentError("The agent server sent a stream event that is not JSON");
    }
    if (chunk.error) throw agentError("The agent server reported an error in the stream");
    const delta = chunk.choices?.[0]?.delta?.content;
    if (typeof delta === "string" && delta !== "") {
      text += delta;
      yield text;
    }
  }
}

/**
 * The `openai` agent: any OpenAI-compatible Chat Completions server at `base_url`
 * (`POST {base_url}/chat/completions`, `Authorization: Bearer {api_key}`). It sends the
 * system prompt, this session's last 20 turns and the new message; with `stream` it reads SSE.
 */
export function createOpenAIAgent(options: OpenAIAgentOptions): Agent {
  const history = new ChatHistory(20, 1000);
  const url = `${options.base_url.replace(/\/+$/, "")}/chat/completions`;
  const origin = safeOrigin(options.base_url);

  async function post(messages: ChatMessage[], signal: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (options.api_key.isSet) headers.authorization = `Bearer ${options.api_key.reveal()}`;
    if (options.stream) headers.accept = "text/event-stream";
    const body = JSON.stringify({ model: options.model, messages, stream: options.stream });
    try {
      return await fetch(url, { method: "POST", headers, body, signal });
    } catch (err) {
      if (signal.aborted) throw err;
      throw agentError(`Cannot reach the agent server at ${origin}`, err);
    }
  }

  async function* reply(request: AgentRequest, signal: AbortSignal): AsyncIterable<AgentChunk> {
    const timeout = AbortSignal.timeout(options.timeout * 1000);
    const combined = AbortSignal.any([signal, timeout]);
    const messages: ChatMessage[] = [];
    if (options.system_prompt) messages.push({ role: "system", content: options.system_prompt });
    messages.push(...history.get(request.sessionId), userMessage(request));
    let text = "";
    try {
      const res = await post(messages, combined);
      if (!res.ok) {
        throw agentError(`The agent server at ${origin} answered ${res.status}${await describeErrorBody(res)}`);
      }
      if (options.stream && res.body && res.headers.get("content-type")?.includes("text/event-stream")) {
        for await (text of readStream(res.body)) yield { text };
      } else {
        const json = await res.json().catch(() => undefined) as
          | { choices?: { message?: { content?: unknown } }[] }
          | undefined;
        const content = json?.choices?.[0]?.message?.content;
        if (typeof content !== "string") throw agentError(`The agent server at ${origin} sent no message content`);
        text = content;
        yield { text };
      }
    } catch (err) {
      if (timeout.aborted) throw agentError(`The agent did not answer within ${options.timeout} s`, err);
      if (signal.aborted) throw agentError("The agent request was cancelled", err);
      if (err instanceof PicoclawError) throw err;
      throw agentError(`The agent request to ${origin} failed`, err);
    }
    history.add(request.sessionId, request.content, text);
  }

  return { provider: "openai", model: options.model, reply };
}
