import type { Config } from "../config/mod.ts";
import type { Agent } from "./agent.ts";
import { createEchoAgent } from "./echo.ts";
import { createOpenAIAgent } from "./openai.ts";

/** Creates the agent named by `agent.provider`: `echo` (default) or `openai`. */
export function createAgent(config: Config["agent"]): Agent {
  return config.provider === "openai" ? createOpenAIAgent(config) : createEchoAgent();
}
