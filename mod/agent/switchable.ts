import { type ConfigStore, hasChanged } from "../config/mod.ts";
import type { HistoryStore } from "../history/mod.ts";
import type { Agent, AgentChunk, AgentRequest } from "./agent.ts";
import { createAgent } from "./create.ts";

/**
 * An agent that delegates to whichever agent is current, so the agent can change while the
 * program runs (SPEC §7.2): each request is bound to the agent current when it starts, so a
 * reply in flight finishes on the old agent and the next request uses the new one.
 *
 * @example
 * const agent = new SwitchableAgent(createEchoAgent());
 * agent.swap(createOpenAIAgent({ ... })); // the next reply() goes to the openai agent
 */
export class SwitchableAgent implements Agent {
  #current: Agent;

  constructor(initial: Agent) {
    this.#current = initial;
  }

  /** The current agent's provider. */
  get provider(): string {
    return this.#current.provider;
  }

  /** The current agent's model. */
  get model(): string {
    return this.#current.model;
  }

  /** The agent requests go to from now on. */
  get current(): Agent {
    return this.#current;
  }

  /** Makes `next` answer every request from now on; replies already started stay on the old agent. */
  swap(next: Agent): void {
    this.#current = next;
  }

  /** Runs the request on the agent current now (it keeps it to the end, whatever swaps follow). */
  reply(request: AgentRequest, signal: AbortSignal): AsyncIterable<AgentChunk> | Iterable<AgentChunk> {
    return this.#current.reply(request, signal);
  }
}

/**
 * The agent of `store.config.agent`, rebuilt whenever an `agent.*` key changes (the dashboard's
 * Agent page saves them). The app hands it to the channel and the Pico client.
 *
 * @param history Where the `openai` agent reads a session's earlier turns.
 * @returns The switchable agent and the function that stops following the store.
 */
export function followAgentConfig(
  store: ConfigStore,
  history?: HistoryStore,
): { agent: SwitchableAgent; unsubscribe: () => void } {
  const agent = new SwitchableAgent(createAgent(store.config.agent, history));
  const unsubscribe = store.subscribe((next, changed) => {
    if (hasChanged(changed, "agent.")) agent.swap(createAgent(next.config.agent, history));
  });
  return { agent, unsubscribe };
}
