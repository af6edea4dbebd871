import { EventSourceParserStream } from "eventsource-parser/stream";
import type { Secret } from "../config/mod.ts";
import { PicoclawError } from "../errors/mod.ts";
import type { HistoryStore } from "../history/mod.ts";
import type { Agent, AgentChunk, AgentRequest } from "./agent.ts";
import { ChatHistory, type ChatMessage } from "./history.ts";
import { agentError, describeBytes, MAX_JSON_BODY_BYTES, readTextLimited, sseLimit, utf8Length } from "./limits.ts";

/** What the `openai` provider needs from `config.agent`. */
export interface OpenAIAgentOptions {
  base_url: string;
  api_key: Secret;
  model: string;
  system_prompt: string;
  stream: boolean;
  /** Seconds before a request is abandoned. */
  timeout: number;
  /** UTF-8 bytes of one reply; past it the reply is cut off with `agent_error` (default 1 MiB). */
  max_reply_bytes?: number;
}

/** Text kept in history, all sessions together (never less than one turn). */
const MAX_HISTORY_BYTES = 32 * 1024 * 1024;

/** How much of an error body is read to find its `error.code`. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** The base URL without credentials, path or query: safe to put in an error message. */
function safeOrigin(baseUrl: string): string {
  try {
    return new URL(baseUrl).origin;
  } catch {
    return "the agent server";
  }
}

/** Reads `error.code` / `error.type` from an OpenAI-style error body, never its free text. */
async function describeErrorBody(res: Response): Promise<string> {
  try {
    const text = await readTextLimited(res.body, MAX_ERROR_BODY_BYTES);
    if (text === undefined) return "";
    const body = JSON.parse(text) as { error?: { code?: unknown; type?: unknown } };
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

/** The `agent_error` for a reply over `agent.max_reply_bytes`. */
function replyTooLong(maxBytes: number): PicoclawError {
  return agentError(`The agent's reply is over agent.max_reply_bytes (${describeBytes(maxBytes)}); it was cut off`);
}

/**
 * Yields the full text so far for each content delta of an SSE Chat Completions stream.
 * Lines and events over 1 MiB, and a text over `maxReplyBytes`, end it with `agent_error`;
 * however it ends, the body is cancelled so nothing more is read.
 */
async function* readStream(body: ReadableStream<Uint8Array>, maxReplyBytes: number): AsyncIterable<string> {
  let text = "";
  let bytes = 0;
  const decoder = new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>;
  const events = body.pipeThrough(sseLimit()).pipeThrough(decoder).pipeThrough(new EventSourceParserStream());
  const reader = events.getReader();
  try {
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
        bytes += utf8Length(delta);
        if (bytes > maxReplyBytes) throw replyTooLong(maxReplyBytes);
        text += delta;
        yield text;
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** The message content of a non-streamed answer, read with a 4 MiB byte counter. */
async function readJsonReply(res: Response, origin: string, maxReplyBytes: number): Promise<string> {
  const body = await readTextLimited(res.body, MAX_JSON_BODY_BYTES);
  if (body === undefined) {
    throw agentError(`The agent server at ${origin} sent a body over ${describeBytes(MAX_JSON_BODY_BYTES)}`);
  }
  let json: { choices?: { message?: { content?: unknown } }[] } | undefined;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  const content = json?.choices?.[0]?.message?.content;
  if (typeof content !== "string") throw agentError(`The agent server at ${origin} sent no message content`);
  if (utf8Length(content) > maxReplyBytes) throw replyTooLong(maxReplyBytes);
  return content;
}

/** At most this much earlier text goes to the agent server as context (newest turns first). */
const MAX_CONTEXT_BYTES = 8 * 1024 * 1024;

/**
 * The session's last 20 turns from the history store as Chat Completions messages, oldest first,
 * dropping the oldest past `maxBytes`.
 */
async function contextFrom(history: HistoryStore, sessionId: string, maxBytes: number): Promise<ChatMessage[]> {
  const turns = await history.lastTurns(sessionId);
  const kept: ChatMessage[] = [];
  let bytes = 0;
  for (let i = turns.length - 1; i >= 0; i--) {
    bytes += utf8Length(turns[i].content);
    if (bytes > maxBytes) break;
    kept.unshift({ role: turns[i].role, content: turns[i].content });
  }
  return kept;
}

/**
 * The `openai` agent: any OpenAI-compatible Chat Completions server at `base_url`
 * (`POST {base_url}/chat/completions`, `Authorization: Bearer {api_key}`). It sends the
 * system prompt, this session's last 20 turns (from the history store, so a conversation goes
 * on after a restart) and the new message; with `stream` it reads SSE.
 * Everything the server sends is bounded: the reply (`max_reply_bytes`), SSE lines and events
 * (1 MiB), a JSON body (4 MiB), history (one turn ≤ `max_reply_bytes`, 32 MiB in all), and
 * redirects are refused.
 */
export function createOpenAIAgent(options: OpenAIAgentOptions & { history?: HistoryStore }): Agent {
  const maxReplyBytes = options.max_reply_bytes ?? 1024 * 1024;
  // Without a history store (unit tests, embedders) the agent keeps its own bounded memory.
  const memory = options.history ? undefined : new ChatHistory(20, 1000, maxReplyBytes, MAX_HISTORY_BYTES);
  const url = `${options.base_url.replace(/\/+$/, "")}/chat/completions`;
  const origin = safeOrigin(options.base_url);

  async function post(messages: ChatMessage[], signal: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (options.api_key.isSet) headers.authorization = `Bearer ${options.api_key.reveal()}`;
    if (options.stream) headers.accept = "text/event-stream";
    const body = JSON.stringify({ model: options.model, messages, stream: options.stream });
    try {
      // Never follow a redirect: it would post the whole conversation (and the key) elsewhere.
      return await fetch(url, { method: "POST", headers, body, signal, redirect: "manual" });
    } catch (err) {
      if (signal.aborted) throw err;
      throw agentError(`Cannot reach the agent server at ${origin}`, err);
    }
  }

  async function* reply(request: AgentRequest, signal: AbortSignal): AsyncIterable<AgentChunk> {
    const timeout = AbortSignal.timeout(options.timeout * 1000);
    const done = new AbortController(); // aborted when the reply ends, so the connection is closed
    const combined = AbortSignal.any([signal, timeout, done.signal]);
    const messages: ChatMessage[] = [];
    if (options.system_prompt) messages.push({ role: "system", content: options.system_prompt });
    const context = options.history
      ? await contextFrom(options.history, request.sessionId, MAX_CONTEXT_BYTES)
      : memory!.get(request.sessionId);
    messages.push(...context, userMessage(request));
    let text = "";
    try {
      const res = await post(messages, combined);
      if (res.status >= 300 && res.status < 400) {
        throw agentError(
          `The agent server at ${origin} answered ${res.status}, a redirect; redirects are not followed`,
        );
      }
      if (!res.ok) {
        throw agentError(`The agent server at ${origin} answered ${res.status}${await describeErrorBody(res)}`);
      }
      if (options.stream && res.body && res.headers.get("content-type")?.includes("text/event-stream")) {
        for await (text of readStream(res.body, maxReplyBytes)) yield { text };
      } else {
        text = await readJsonReply(res, origin, maxReplyBytes);
        yield { text };
      }
    } catch (err) {
      if (timeout.aborted) throw agentError(`The agent did not answer within ${options.timeout} s`, err);
      if (signal.aborted) throw agentError("The agent request was cancelled", err);
      if (err instanceof PicoclawError) throw err;
      throw agentError(`The agent request to ${origin} failed`, err);
    } finally {
      done.abort();
    }
    memory?.add(request.sessionId, request.content, text);
  }

  return { provider: "openai", model: options.model, reply };
}
