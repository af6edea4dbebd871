import { afterEach, describe, expect, test } from "bun:test";
import { ConfigStore, loadConfig } from "../config/mod.ts";
import { makeTempHome, type TempHome } from "../../tests/helpers/temp_home.ts";
import type { Agent, AgentChunk } from "./agent.ts";
import { createEchoAgent } from "./echo.ts";
import { followAgentConfig, SwitchableAgent } from "./switchable.ts";

let home: TempHome | undefined;
afterEach(() => home?.remove());

/** An agent that answers `name`, after `gate` settles. */
function namedAgent(name: string, gate: Promise<void> = Promise.resolve()): Agent {
  return {
    provider: "openai",
    model: name,
    async *reply(): AsyncIterable<AgentChunk> {
      await gate;
      yield { text: `from ${name}` };
    },
  };
}

async function collect(chunks: AsyncIterable<AgentChunk> | Iterable<AgentChunk>): Promise<string> {
  let text = "";
  for await (const chunk of chunks) text = chunk.text;
  return text;
}

const REQUEST = { sessionId: "s", content: "hi", media: [] };

describe("SwitchableAgent", () => {
  test("SwitchableAgent finishes a reply in flight on the old agent and sends the next to the new one", async () => {
    let release!: () => void;
    const agent = new SwitchableAgent(namedAgent("old", new Promise((r) => (release = r))));
    const inFlight = collect(agent.reply(REQUEST, new AbortController().signal));
    agent.swap(namedAgent("new"));
    expect(await collect(agent.reply(REQUEST, new AbortController().signal))).toBe("from new");
    release();
    expect(await inFlight).toBe("from old");
  });

  test("SwitchableAgent reports the current agent's provider and model", () => {
    const agent = new SwitchableAgent(createEchoAgent());
    expect([agent.provider, agent.model]).toEqual(["echo", ""]);
    agent.swap(namedAgent("m1"));
    expect([agent.provider, agent.model]).toEqual(["openai", "m1"]);
  });
});

describe("followAgentConfig()", () => {
  test("followAgentConfig() rebuilds the agent when an agent.* key changes, and only then", async () => {
    home = makeTempHome();
    const store = new ConfigStore(await loadConfig({ env: { PICOCLAW_HOME: home.path } }));
    const { agent, unsubscribe } = followAgentConfig(store);
    const first = agent.current;
    await store.update([{ key: "channels.pico.ping_interval", value: 5 }]);
    expect(agent.current).toBe(first);
    await store.update([
      { key: "agent.provider", value: "openai" },
      { key: "agent.base_url", value: "http://127.0.0.1:9/v1" },
      { key: "agent.model", value: "m2" },
    ]);
    expect([agent.provider, agent.model]).toEqual(["openai", "m2"]);
    unsubscribe();
    await store.update([{ key: "agent.model", value: "m3" }]);
    expect(agent.model).toBe("m2");
  });
});
