import { afterEach, describe, expect, test } from "bun:test";
import { chat, openPico, startTestGateway, type TestGateway } from "./helpers/gateway.ts";
import { startFakeOpenAI } from "./helpers/fake_openai.ts";

const API_KEY = "sk-test-fake-key-0123456789abcdef";

let gw: TestGateway;
let fake: ReturnType<typeof startFakeOpenAI>;
afterEach(async () => {
  await gw?.stop();
  fake?.stop();
});

function gatewayWithAgent(agent: Record<string, unknown>) {
  return startTestGateway({
    agent: { provider: "openai", base_url: fake.baseUrl, api_key: API_KEY, model: "fake-model", ...agent },
  });
}

describe("openai agent against a fake OpenAI-compatible server", () => {
  test("streams message.create then message.update with the full text so far, then typing.stop", async () => {
    fake = startFakeOpenAI(API_KEY, {
      reply: "The quick brown fox jumps over the lazy dog",
      chunkSize: 4,
      delayMs: 30,
    });
    gw = gatewayWithAgent({ system_prompt: "Be brief." });
    const client = await openPico(gw.ws("/pico?session_id=llm"));
    const frames = await chat(client, "tell me");
    const types = frames.map((f) => f.type);
    expect(types[0]).toBe("typing.start");
    expect(types[1]).toBe("message.create");
    expect(types.at(-1)).toBe("typing.stop");
    const create = frames[1];
    expect(create.payload?.model_name).toBe("fake-model");
    const updates = frames.filter((f) => f.type === "message.update");
    expect(updates.length).toBeGreaterThan(0);
    for (const update of updates) expect(update.payload?.message_id).toBe(create.payload?.message_id);
    expect(updates.at(-1)?.payload?.content).toBe("The quick brown fox jumps over the lazy dog");
    let previous = String(create.payload?.content);
    for (const update of updates) {
      expect(String(update.payload?.content).startsWith(previous)).toBe(true);
      previous = String(update.payload?.content);
    }
    const request = fake.requests[0];
    expect(request.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request.body.model).toBe("fake-model");
    expect(request.body.stream).toBe(true);
    expect(request.body.messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "tell me" },
    ]);
    client.close();
  });

  test("sends at most about 10 message.update frames per second", async () => {
    fake = startFakeOpenAI(API_KEY, { reply: "x".repeat(200), chunkSize: 1, delayMs: 2 });
    gw = gatewayWithAgent({});
    const client = await openPico(gw.ws("/pico"));
    const started = Date.now();
    const frames = await chat(client, "go");
    const seconds = (Date.now() - started) / 1000;
    const updates = frames.filter((f) => f.type === "message.update");
    expect(updates.length).toBeLessThanOrEqual(Math.ceil(seconds * 10) + 2);
    expect(updates.at(-1)?.payload?.content).toBe("x".repeat(200));
    client.close();
  });

  test("keeps this session's history and sends it with the next message", async () => {
    fake = startFakeOpenAI(API_KEY, { reply: "first answer" });
    gw = gatewayWithAgent({});
    const client = await openPico(gw.ws("/pico?session_id=h1"));
    await chat(client, "first question");
    fake.behaviour.reply = "second answer";
    await chat(client, "second question");
    expect(fake.requests[1].body.messages).toEqual([
      { role: "user", content: "first question" },
      { role: "assistant", content: "first answer" },
      { role: "user", content: "second question" },
    ]);
    const other = await openPico(gw.ws("/pico?session_id=h2"));
    await chat(other, "fresh");
    expect(fake.requests[2].body.messages).toEqual([{ role: "user", content: "fresh" }]);
    client.close();
    other.close();
  });

  test("works without streaming", async () => {
    fake = startFakeOpenAI(API_KEY, { reply: "whole reply" });
    gw = gatewayWithAgent({ stream: false });
    const client = await openPico(gw.ws("/pico"));
    const frames = await chat(client, "hi");
    expect(frames.map((f) => f.type)).toEqual(["typing.start", "message.create", "typing.stop"]);
    expect(frames[1].payload?.content).toBe("whole reply");
    expect(fake.requests[0].body.stream).toBe(false);
    client.close();
  });

  test("a wrong api key gives agent_error naming the status, never the key", async () => {
    fake = startFakeOpenAI("sk-the-right-key-000000000000", { reply: "never" });
    gw = gatewayWithAgent({});
    const client = await openPico(gw.ws("/pico"));
    const frames = await chat(client, "hi", "req-1");
    const error = frames.find((f) => f.type === "error");
    expect(error?.payload).toMatchObject({ code: "agent_error", request_id: "req-1" });
    expect(String(error?.payload?.message)).toContain("401");
    expect(JSON.stringify(frames)).not.toContain(API_KEY);
    expect(frames.at(-1)?.type).toBe("typing.stop");
    client.close();
  });

  test("a server error gives agent_error without the server's free text", async () => {
    fake = startFakeOpenAI(API_KEY, { reply: "", failStatus: 500 });
    gw = gatewayWithAgent({});
    const client = await openPico(gw.ws("/pico"));
    const frames = await chat(client, "hi");
    const error = frames.find((f) => f.type === "error");
    expect(error?.payload?.code).toBe("agent_error");
    expect(JSON.stringify(frames)).not.toContain(API_KEY);
    client.close();
  });

  test("an agent that does not answer within agent.timeout gives agent_error", async () => {
    fake = startFakeOpenAI(API_KEY, { reply: "", hang: true });
    gw = gatewayWithAgent({ timeout: 1 });
    const client = await openPico(gw.ws("/pico"));
    const frames = await chat(client, "hi");
    const error = frames.find((f) => f.type === "error");
    expect(error?.payload?.code).toBe("agent_error");
    expect(String(error?.payload?.message)).toContain("1 s");
    client.close();
  });

  test("an unreachable server gives agent_error naming only its origin", async () => {
    fake = startFakeOpenAI(API_KEY, { reply: "" });
    fake.stop();
    gw = startTestGateway({
      agent: { provider: "openai", base_url: "http://user:pw@127.0.0.1:9/v1", api_key: API_KEY, model: "m" },
    });
    const client = await openPico(gw.ws("/pico"));
    const frames = await chat(client, "hi");
    const error = frames.find((f) => f.type === "error");
    expect(error?.payload?.code).toBe("agent_error");
    expect(String(error?.payload?.message)).toContain("http://127.0.0.1:9");
    expect(String(error?.payload?.message)).not.toContain("pw");
    client.close();
  });

  test("POST /api/messages returns the full streamed reply", async () => {
    fake = startFakeOpenAI(API_KEY, { reply: "streamed over http", chunkSize: 3 });
    gw = gatewayWithAgent({});
    const res = await fetch(gw.http("/api/messages"), {
      method: "POST",
      headers: { authorization: `Bearer ${"test-pico-token-0123456789abcdef"}`, "content-type": "application/json" },
      body: JSON.stringify({ content: "hi", session_id: "api" }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      session_id: "api",
      message_id: expect.any(String),
      content: "streamed over http",
    });
  });

  test("the api key never appears in the logs", async () => {
    fake = startFakeOpenAI("sk-other-key-for-401-000000", { reply: "x" });
    gw = gatewayWithAgent({});
    const client = await openPico(gw.ws("/pico"));
    await chat(client, "hi");
    client.close();
    expect(gw.logs.join("")).not.toContain(API_KEY);
  });
});
