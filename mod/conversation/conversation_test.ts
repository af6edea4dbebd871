import { describe, expect, test } from "bun:test";
import type { Agent, AgentChunk } from "../agent/mod.ts";
import { PicoclawError } from "../errors/mod.ts";
import { MemoryHistoryStore } from "../history/mod.ts";
import { createLogger } from "../log/mod.ts";
import { Conversation, type FinishedReply, MAX_QUEUED_PER_SESSION, type ReplySink } from "./conversation.ts";

/** A sink that records what it was told. */
function recordingSink() {
  const events: string[] = [];
  const sink: ReplySink = {
    started: () => events.push("started"),
    progress: (reply) => events.push(`${reply.first ? "create" : "update"}:${reply.content}`),
    finished: (reply: FinishedReply) => events.push(`finished:${reply.content}`),
    failed: (err) => events.push(`failed:${err.code}`),
  };
  return { sink, events };
}

/** An agent whose replies wait until released, so tests control the order. */
function gatedAgent() {
  const gates: (() => void)[] = [];
  const agent: Agent = {
    provider: "test",
    model: "m",
    async *reply(request, signal): AsyncIterable<AgentChunk> {
      await new Promise<void>((resolve, reject) => {
        gates.push(resolve);
        signal.addEventListener("abort", () => reject(new PicoclawError("agent_error", "aborted")));
      });
      yield { text: `re:${request.content}` };
    },
  };
  return { agent, gates };
}

const log = createLogger({ stderr: false });
const echo: Agent = { provider: "echo", model: "", reply: (r) => [{ text: r.content }] };

describe("Conversation", () => {
  test("an idle session's echo reply reaches the sink before converse() returns, and both rows are stored", async () => {
    const history = new MemoryHistoryStore();
    const conversation = new Conversation({ agent: echo, history, log });
    const { sink, events } = recordingSink();
    const reply = conversation.converse({ sessionId: "s", channel: "telegram", content: "hi", requestId: "r1" }, sink);
    expect(events).toEqual(["started", "create:hi", "finished:hi"]);
    expect((await reply).content).toBe("hi");
    const rows = await history.messages("s", {});
    expect(rows?.map((m) => [m.role, m.content, m.channel, m.message_id === "r1"])).toEqual([
      ["user", "hi", "telegram", true],
      ["assistant", "hi", "telegram", false],
    ]);
  });

  test("replies of one session come in request order; other sessions do not wait", async () => {
    const { agent, gates } = gatedAgent();
    const conversation = new Conversation({ agent, history: new MemoryHistoryStore(), log });
    const done: string[] = [];
    const a1 = conversation.converse({ sessionId: "a", channel: "pico", content: "1" }, recordingSink().sink);
    const a2 = conversation.converse({ sessionId: "a", channel: "pico", content: "2" }, recordingSink().sink);
    const b1 = conversation.converse({ sessionId: "b", channel: "pico", content: "3" }, recordingSink().sink);
    for (const p of [a1, a2, b1]) void p.then((r) => done.push(r.content));
    await Bun.sleep(0);
    expect(gates.length).toBe(2); // a1 and b1 run; a2 waits for a1
    gates[1](); // b1
    await b1;
    expect(done).toEqual(["re:3"]);
    gates[0]();
    await a1;
    while (gates.length < 3) await Bun.sleep(1);
    gates[2]();
    await a2;
    expect(done).toEqual(["re:3", "re:1", "re:2"]);
    expect(conversation.busySessions).toBe(0);
  });

  test(`a session with ${MAX_QUEUED_PER_SESSION} waiting requests refuses the next with rate_limited and stores nothing`, async () => {
    const { agent } = gatedAgent();
    const history = new MemoryHistoryStore();
    const conversation = new Conversation({ agent, history, log });
    for (let i = 0; i < MAX_QUEUED_PER_SESSION; i++) {
      void conversation.converse({ sessionId: "s", channel: "api", content: `${i}` }, recordingSink().sink);
    }
    expect(conversation.isFull("s")).toBe(true);
    expect(() => conversation.converse({ sessionId: "s", channel: "api", content: "x" }, recordingSink().sink))
      .toThrow(expect.objectContaining({ code: "rate_limited" }));
    const rows = await history.messages("s", { limit: 1000 });
    expect(rows?.some((m) => m.content === "x")).toBe(false);
    conversation.close();
  });

  test("a failed reply tells the sink and stores no assistant row", async () => {
    const history = new MemoryHistoryStore();
    const failing: Agent = {
      provider: "test",
      model: "",
      reply: () => {
        throw new PicoclawError("agent_error", "down");
      },
    };
    const conversation = new Conversation({ agent: failing, history, log });
    const { sink, events } = recordingSink();
    const err = await conversation.converse({ sessionId: "s", channel: "pico", content: "q" }, sink).catch((e) => e);
    expect(err.code).toBe("agent_error");
    expect(events).toEqual(["started", "failed:agent_error"]);
    expect((await history.messages("s", {}))?.map((m) => m.role)).toEqual(["user"]);
  });

  test("a request's own signal aborts its reply: the sink hears a failure and no assistant row is stored", async () => {
    const history = new MemoryHistoryStore();
    const { agent } = gatedAgent();
    const conversation = new Conversation({ agent, history, log });
    const abort = new AbortController();
    const { sink, events } = recordingSink();
    const reply = conversation.converse(
      { sessionId: "s", channel: "pico_client", content: "q", signal: abort.signal },
      sink,
    );
    abort.abort();
    expect((await reply.catch((e) => e)).code).toBe("agent_error");
    expect(events.at(-1)).toBe("failed:agent_error");
    expect((await history.messages("s", {}))?.map((m) => m.role)).toEqual(["user"]);
  });

  test("close() cancels every running reply: the sinks hear agent_error and no assistant row is stored", async () => {
    const history = new MemoryHistoryStore();
    const { agent } = gatedAgent();
    const conversation = new Conversation({ agent, history, log });
    const a = recordingSink();
    const b = recordingSink();
    const replies = [
      conversation.converse({ sessionId: "a", channel: "pico", content: "q" }, a.sink),
      conversation.converse({ sessionId: "b", channel: "telegram", content: "q" }, b.sink),
    ];
    conversation.close();
    for (const reply of replies) expect((await reply.catch((e) => e)).code).toBe("agent_error");
    expect([a.events.at(-1), b.events.at(-1)]).toEqual(["failed:agent_error", "failed:agent_error"]);
    for (const id of ["a", "b"]) expect((await history.messages(id, {}))?.map((m) => m.role)).toEqual(["user"]);
  });

  test("an aborted request whose agent still answers (sync echo) is not sent or stored", async () => {
    const history = new MemoryHistoryStore();
    const conversation = new Conversation({ agent: echo, history, log });
    const { sink, events } = recordingSink();
    const reply = conversation.converse({
      sessionId: "s",
      channel: "pico_client",
      content: "q",
      signal: AbortSignal.abort(),
    }, sink);
    expect((await reply.catch((e) => e)).code).toBe("agent_error");
    expect(events).not.toContain("finished:q");
    expect((await history.messages("s", {}))?.map((m) => m.role)).toEqual(["user"]);
  });

  test("with a session lock (cluster): nothing runs before it is granted; it is given back after the reply was stored", async () => {
    const history = new MemoryHistoryStore();
    const grants: (() => void)[] = [];
    const { sink, events } = recordingSink();
    const lock = {
      acquire: () =>
        new Promise<() => void>((grant) => {
          // The release notes how much text the history held then: both rows ("hi" + "hi").
          grants.push(() => grant(() => events.push(`released:${history.chars}`)));
        }),
    };
    const conversation = new Conversation({ agent: echo, history, log, lock });
    const reply = conversation.converse({ sessionId: "s", channel: "pico", content: "hi" }, sink);
    await Bun.sleep(0);
    expect(events).toEqual([]);
    grants[0]();
    expect((await reply).content).toBe("hi");
    expect(events).toEqual(["started", "create:hi", "finished:hi", "released:4"]);
  });

  test("a lock held already is taken at once: an idle session's echo reply still comes before converse() returns", async () => {
    const history = new MemoryHistoryStore();
    let releases = 0;
    const conversation = new Conversation({ agent: echo, history, log, lock: { acquire: () => () => releases++ } });
    const { sink, events } = recordingSink();
    const reply = conversation.converse({ sessionId: "s", channel: "pico", content: "hi" }, sink);
    expect(events).toEqual(["started", "create:hi", "finished:hi"]);
    await reply;
    expect(releases).toBe(1);
  });

  test("a lock that cannot be had fails the request: the sink hears it, no assistant row", async () => {
    const history = new MemoryHistoryStore();
    const lock = { acquire: () => Promise.reject(new PicoclawError("agent_error", "Cannot run the agent: busy")) };
    const conversation = new Conversation({ agent: echo, history, log, lock });
    const { sink, events } = recordingSink();
    await expect(conversation.converse({ sessionId: "s", channel: "pico", content: "hi" }, sink)).rejects.toThrow(
      "busy",
    );
    expect(events).toEqual(["failed:agent_error"]);
    expect((await history.messages("s"))?.map((m) => m.role)).toEqual(["user"]);
  });
});
