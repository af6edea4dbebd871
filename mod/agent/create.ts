import type { Config } from "../config/mod.ts";
import type { HistoryStore } from "../history/mod.ts";
import type { Agent } from "./agent.ts";
import { createEchoAgent } from "./echo.ts";
import { createOpenAIAgent } from "./openai.ts";

/**
 * Creates the agent named by `agent.provider`: `echo` (default) or `openai`.
 *
 * @param history Where the `openai` agent reads a session's earlier turns (SPEC §6).
 */
export function createAgent(config: Config["agent"], history?: HistoryStore): Agent {
  return config.provider === "openai" ? createOpenAIAgent({ ...config, history }) : createEchoAgent();
}
