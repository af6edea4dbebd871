import type { Agent, AgentChunk, AgentRequest } from "./agent.ts";

/** The built-in `echo` agent: replies with the content (and media) unchanged. Needs no LLM. */
export function createEchoAgent(): Agent {
  return {
    provider: "echo",
    model: "",
    reply(request: AgentRequest): AgentChunk[] {
      return [request.media.length > 0 ? { text: request.content, media: request.media } : { text: request.content }];
    },
  };
}
