import { Hono } from "hono";
import { z } from "../zod/mod.ts";
import { probeAgent, type ProbeSettings } from "../agent/mod.ts";
import { type Config, type ConfigChange, Secret, validateChanges } from "../config/mod.ts";
import { PicoclawError } from "../errors/mod.ts";
import { describe, jsonBody } from "../http/mod.ts";
import type { LauncherContext, LauncherEnv } from "./context.ts";

/** The agent settings the dashboard reads and writes (SPEC §7.2), besides `api_key`. */
const FIELDS = ["provider", "base_url", "model", "system_prompt", "stream", "timeout"] as const;

/**
 * A `PUT /api/agent` or `POST /api/agent/test` body: any of the fields, plus `api_key`
 * (omitted = keep, `""` = clear). Values are checked by the config schema itself
 * (`validateChanges`), so the rules and the words are those of `config.json`.
 */
const AgentBodySchema = z.strictObject({
  provider: z.optional(z.unknown()),
  base_url: z.optional(z.unknown()),
  model: z.optional(z.unknown()),
  system_prompt: z.optional(z.unknown()),
  stream: z.optional(z.unknown()),
  timeout: z.optional(z.unknown()),
  api_key: z.optional(z.string()),
});
type AgentBody = z.infer<typeof AgentBodySchema>;

/** What `GET /api/agent` answers: the settings, and whether a key is set (never the key). */
/** The answer of `GET` and `PUT /api/agent`: the settings and whether a key is set, never the key. */
const AgentViewSchema = z.object({
  provider: z.string(),
  base_url: z.string(),
  model: z.string(),
  system_prompt: z.string(),
  stream: z.boolean(),
  timeout: z.number(),
  api_key_set: z.boolean(),
});

/** The answer of `POST /api/agent/test`. */
const ProbeResultSchema = z.object({
  ok: z.boolean(),
  latency_ms: z.optional(z.number()),
  models: z.optional(z.array(z.string())),
  reply: z.optional(z.string()),
  error: z.optional(z.enum(["unreachable", "unauthorized", "model_not_found", "timeout", "bad_response"])),
});

function describeAgent(agent: Config["agent"]) {
  return {
    provider: agent.provider,
    base_url: agent.base_url,
    model: agent.model,
    system_prompt: agent.system_prompt,
    stream: agent.stream,
    timeout: agent.timeout,
    api_key_set: agent.api_key.isSet,
  };
}

/**
 * The body as config changes, checked by the config schema.
 * @throws {PicoclawError} `invalid_request` (400) naming each bad field, e.g.
 * `Invalid request: timeout: expected a positive integer, got 0`.
 */
function toChanges(body: AgentBody): ConfigChange[] {
  const changes: ConfigChange[] = [];
  for (const field of FIELDS) {
    if (body[field] !== undefined) changes.push({ key: `agent.${field}`, value: body[field] } as ConfigChange);
  }
  if (body.api_key !== undefined) changes.push({ key: "agent.api_key", value: body.api_key });
  const problems = validateChanges(changes);
  if (problems.length > 0) {
    const details = problems.map((p) => ({ field: (p.keyPath ?? "").replace(/^agent\./, ""), message: p.message }));
    throw new PicoclawError(
      "invalid_request",
      `Invalid request: ${details.map((d) => `${d.field}: ${d.message}`).join("; ")}`,
      { details },
    );
  }
  return changes;
}

/**
 * The dashboard's Agent page API (SPEC §7.2): read the agent settings, save them (non-secrets
 * to `config.json`, the key to `.security.yml`, applied live by the app's switchable agent),
 * and try settings without saving them. The key never leaves the server.
 */
export function createAgentRoutes(ctx: LauncherContext): Hono<LauncherEnv> {
  const app = new Hono<LauncherEnv>();

  app.get(
    "/api/agent",
    describe({ summary: "The agent settings (never the key)", tags: ["agent"], response: AgentViewSchema }),
    (c) => c.json(describeAgent(ctx.store.config.agent)),
  );

  app.put(
    "/api/agent",
    describe({
      summary: 'Save agent settings (api_key omitted = keep, "" = clear); applied live',
      tags: ["agent"],
      response: AgentViewSchema,
    }),
    jsonBody(AgentBodySchema),
    async (c) => {
      const changes = toChanges(c.req.valid("json"));
      if (changes.length > 0) {
        const { warnings } = await ctx.store.update(changes);
        for (const warning of warnings) ctx.log.warn(warning);
        ctx.log.info("agent settings changed from the dashboard", { keys: changes.map((ch) => ch.key).join(",") });
      }
      return c.json(describeAgent(ctx.store.config.agent));
    },
  );

  app.post(
    "/api/agent/test",
    describe({
      summary: "Try agent settings without saving them (at most 10 s)",
      tags: ["agent"],
      response: ProbeResultSchema,
    }),
    jsonBody(AgentBodySchema),
    async (c) => {
      const body = c.req.valid("json");
      toChanges(body); // validated as a save would be; nothing is saved
      const saved = ctx.store.config.agent;
      const settings: ProbeSettings = {
        provider: (body.provider ?? saved.provider) as string,
        base_url: (body.base_url ?? saved.base_url) as string,
        model: (body.model ?? saved.model) as string,
        timeout: (body.timeout ?? saved.timeout) as number,
        api_key: body.api_key === undefined ? saved.api_key : new Secret(body.api_key),
      };
      return c.json(await probeAgent(settings));
    },
  );

  return app;
}
