/**
 * @module
 * The agent behind the Pico channel (SPEC §3.3): `echo` (default, no LLM) and `openai`
 * (any OpenAI-compatible Chat Completions server, streaming over SSE).
 */

export type { Agent, AgentChunk, AgentRequest } from "./agent.ts";
export { createAgent } from "./create.ts";
export { createEchoAgent } from "./echo.ts";
export { ChatHistory, type ChatMessage } from "./history.ts";
export { createOpenAIAgent, type OpenAIAgentOptions } from "./openai.ts";
export {
  MAX_PROBE_MS,
  probeAgent,
  type ProbeError,
  type ProbeOptions,
  type ProbeResult,
  type ProbeSettings,
} from "./probe.ts";
export { followAgentConfig, SwitchableAgent } from "./switchable.ts";
