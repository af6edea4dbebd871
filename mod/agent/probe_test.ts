import { afterEach, describe, expect, test } from "bun:test";
import { Secret } from "../config/mod.ts";
import { type FakeOpenAIBehaviour, startFakeOpenAI } from "../../tests/helpers/fake_openai.ts";
import { probeAgent, type ProbeSettings } from "./probe.ts";

const API_KEY = "sk-probe-test-0123456789abcdef";
let fake: ReturnType<typeof startFakeOpenAI> | undefined;
let other: ReturnType<typeof Bun.serve> | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
  await other?.stop(true);
  other = undefined;
});

function openai(behaviour: Partial<FakeOpenAIBehaviour>, settings: Partial<ProbeSettings> = {}): ProbeSettings {
  fake = startFakeOpenAI(API_KEY, { reply: "OK", ...behaviour });
  return {
    provider: "openai",
    base_url: fake.baseUrl,
    api_key: new Secret(API_KEY),
    model: "fake-model",
    timeout: 120,
    ...settings,
  };
}

/** A port nothing listens on: a server is started on port 0 and stopped. */
async function closedPort(): Promise<number> {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
  const port = server.port!;
  await server.stop(true);
  return port;
}

describe("probeAgent()", () => {
  test("probeAgent() lists the models and gets a one-message reply", async () => {
    const result = await probeAgent(openai({ models: ["fake-model", "other-model"] }));
    expect(result).toEqual({
      ok: true,
      latency_ms: expect.any(Number),
      models: ["fake-model", "other-model"],
      reply: "OK",
    });
    expect(fake!.modelListRequests).toEqual([{ authorization: `Bearer ${API_KEY}` }]);
    expect(fake!.requests).toHaveLength(1);
    expect(fake!.requests[0].body.messages).toHaveLength(1);
    expect(fake!.requests[0].body.stream).toBe(false);
  });

  test("probeAgent() with no model only lists the models (to fill the picker)", async () => {
    const result = await probeAgent(openai({ models: ["a", "b"] }, { model: "" }));
    expect(result).toEqual({ ok: true, latency_ms: expect.any(Number), models: ["a", "b"] });
    expect(fake!.requests).toHaveLength(0);
  });

  test("probeAgent() goes on to the chat when the server has no model list", async () => {
    const result = await probeAgent(openai({ noModelList: true }));
    expect(result).toEqual({ ok: true, latency_ms: expect.any(Number), reply: "OK" });
  });

  test("probeAgent() names a wrong key unauthorized", async () => {
    expect(await probeAgent(openai({}, { api_key: new Secret("sk-wrong-key-000000000000") }))).toEqual({
      ok: false,
      error: "unauthorized",
    });
  });

  test("probeAgent() names a 403 unauthorized", async () => {
    other = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("no", { status: 403 }) });
    const result = await probeAgent({
      provider: "openai",
      base_url: `http://127.0.0.1:${other.port}/v1`,
      api_key: new Secret(API_KEY),
      model: "m",
      timeout: 5,
    });
    expect(result).toEqual({ ok: false, error: "unauthorized" });
  });

  test("probeAgent() names an unknown model model_not_found", async () => {
    expect(await probeAgent(openai({ models: ["fake-model"] }, { model: "no-such-model" }))).toEqual({
      ok: false,
      error: "model_not_found",
    });
  });

  test("probeAgent() gives timeout when the server does not answer within agent.timeout", async () => {
    expect(await probeAgent(openai({ hang: true }, { timeout: 1 }))).toEqual({ ok: false, error: "timeout" });
  });

  test("probeAgent() gives up at its cap even when agent.timeout is longer", async () => {
    expect(await probeAgent(openai({ hang: true }, { timeout: 120 }), { maxMs: 300 })).toEqual({
      ok: false,
      error: "timeout",
    });
  });

  test("probeAgent() gives timeout when the model list comes but the chat does not", async () => {
    const settings = openai({}, { timeout: 1 });
    fake!.behaviour.gate = new Promise(() => {});
    expect(await probeAgent(settings)).toEqual({ ok: false, error: "timeout" });
    expect(fake!.modelListRequests).toHaveLength(1);
  });

  test("probeAgent() names a body that is not JSON bad_response", async () => {
    expect(await probeAgent(openai({ garbage: true }))).toEqual({ ok: false, error: "bad_response" });
  });

  test("probeAgent() names a closed port unreachable", async () => {
    const port = await closedPort();
    const result = await probeAgent({
      provider: "openai",
      base_url: `http://127.0.0.1:${port}/v1`,
      api_key: new Secret(API_KEY),
      model: "m",
      timeout: 5,
    });
    expect(result).toEqual({ ok: false, error: "unreachable" });
  });

  test("probeAgent() names an empty base_url unreachable", async () => {
    const result = await probeAgent({
      provider: "openai",
      base_url: "",
      api_key: new Secret(""),
      model: "m",
      timeout: 5,
    });
    expect(result).toEqual({ ok: false, error: "unreachable" });
  });

  test("probeAgent() does not follow a redirect (the key would go along)", async () => {
    fake = startFakeOpenAI(API_KEY, { reply: "OK" });
    other = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (req) => Response.redirect(`${fake!.baseUrl}${new URL(req.url).pathname.slice(3)}`, 307),
    });
    const result = await probeAgent({
      provider: "openai",
      base_url: `http://127.0.0.1:${other.port}/v1`,
      api_key: new Secret(API_KEY),
      model: "fake-model",
      timeout: 5,
    });
    expect(result).toEqual({ ok: false, error: "bad_response" });
    expect(fake.modelListRequests).toHaveLength(0);
  });

  test("probeAgent() stops reading a model list over 4 MiB (bad_response)", async () => {
    other = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: () => new Response(`{"data":[${'{"id":"x"},'.repeat(500_000)}{"id":"y"}]}`),
    });
    const result = await probeAgent({
      provider: "openai",
      base_url: `http://127.0.0.1:${other.port}/v1`,
      api_key: new Secret(API_KEY),
      model: "",
      timeout: 5,
    });
    expect(result).toEqual({ ok: false, error: "bad_response" });
  });

  test("probeAgent() never gives back the key, even when the server echoes it", async () => {
    const result = await probeAgent(openai({ echoAuthorization: true, models: ["fake-model", API_KEY] }));
    expect(result.ok).toBe(true);
    expect(JSON.stringify(result)).not.toContain(API_KEY);
    expect(JSON.stringify(result)).toContain("Bearer sk-p…cdef");
  });

  test("probeAgent() for echo is ok with the echoed reply", async () => {
    const result = await probeAgent({ provider: "echo", base_url: "", api_key: new Secret(""), model: "", timeout: 1 });
    expect(result).toEqual({ ok: true, latency_ms: expect.any(Number), reply: expect.any(String) });
  });
});
