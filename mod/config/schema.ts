import { z } from "zod";
import { Secret } from "./secret.ts";

/** How a leaf value is written in env variables, and what to say when it is wrong. */
export interface LeafInfo {
  /** `boolean`, `integer` and `list` values are coerced from env strings; the rest stay strings. */
  kind: "boolean" | "integer" | "string" | "list";
  /** Words for the error message: `expected <expected>, got <value>`. */
  expected: string;
  /** Secrets are masked everywhere and belong in `.security.yml`. */
  secret?: boolean;
}

/** Marks the schemas that are config leaves; walking a schema stops at them. */
export const leafInfo = z.registry<LeafInfo>();

function leaf<T extends z.ZodType>(schema: T, info: LeafInfo): T {
  leafInfo.add(schema, info);
  return schema;
}

function bool(value: boolean) {
  return leaf(z.boolean().default(value), { kind: "boolean", expected: "true or false" });
}

function positiveInt(value: number) {
  return leaf(z.int().positive().default(value), { kind: "integer", expected: "a positive integer" });
}

function nonNegativeInt(value: number) {
  return leaf(z.int().nonnegative().default(value), {
    kind: "integer",
    expected: "a non-negative integer",
  });
}

function port(value: number) {
  return leaf(z.int().min(0).max(65535).default(value), {
    kind: "integer",
    expected: "a port number (0-65535)",
  });
}

function text(value = "") {
  return leaf(z.string().default(value), { kind: "string", expected: "a string" });
}

function secret() {
  return leaf(z.string().default("").transform((s) => new Secret(s)), {
    kind: "string",
    expected: "a string (quote it in YAML)",
    secret: true,
  });
}

const SESSION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** True when `value` is a valid Pico session id: 1–128 chars of `[A-Za-z0-9._:-]`. */
export function isValidSessionId(value: string): boolean {
  return SESSION_ID.test(value);
}

function urlWithSchemes(schemes: string[], expected: string) {
  const accepts = (v: string) => {
    if (v === "") return true;
    if (!URL.canParse(v)) return false;
    return schemes.includes(new URL(v).protocol);
  };
  return leaf(z.string().default("").refine(accepts), { kind: "string", expected });
}

/** `config.json`: every key optional, defaults from SPEC.md §2. */
export const ConfigSchema = z.object({
  gateway: z.object({
    host: leaf(z.string().min(1).default("127.0.0.1"), {
      kind: "string",
      expected: "a host name or IP address",
    }),
    port: port(18790),
  }).prefault({}),
  channels: z.object({
    pico: z.object({
      enabled: bool(false),
      token: secret(),
      allow_token_query: bool(false),
      allow_origins: leaf(z.array(z.string()).default([]), {
        kind: "list",
        expected: "a list of origins",
      }),
      ping_interval: positiveInt(30),
      read_timeout: positiveInt(60),
      write_timeout: positiveInt(60),
      max_connections: positiveInt(100),
      max_message_bytes: positiveInt(1048576),
      max_frames_per_second: nonNegativeInt(20),
    }).prefault({}),
    pico_client: z.object({
      enabled: bool(false),
      url: urlWithSchemes(["ws:", "wss:"], "a ws:// or wss:// URL"),
      token: secret(),
      session_id: leaf(z.string().default("").refine((v) => v === "" || isValidSessionId(v)), {
        kind: "string",
        expected: "1-128 characters of A-Z a-z 0-9 . _ : -",
      }),
    }).prefault({}),
    telegram: z.object({ enabled: bool(false), token: secret() }).prefault({}),
    discord: z.object({ enabled: bool(false), token: secret() }).prefault({}),
  }).prefault({}),
  agent: z.object({
    provider: leaf(z.enum(["echo", "openai"]).default("echo"), {
      kind: "string",
      expected: `"echo" or "openai"`,
    }),
    base_url: urlWithSchemes(["http:", "https:"], "an http:// or https:// URL"),
    api_key: secret(),
    model: text(),
    system_prompt: text(),
    stream: bool(true),
    timeout: positiveInt(120),
  }).prefault({}),
});

/** The effective, validated config: `config.json` < `.security.yml` < env < flags over defaults. */
export type Config = z.infer<typeof ConfigSchema>;

/** `.security.yml`: secrets only, at the same key paths as `config.json`. */
export const SecuritySchema = z.object({
  channels: z.object({
    pico: z.object({ token: secret() }).prefault({}),
    pico_client: z.object({ token: secret() }).prefault({}),
    telegram: z.object({ token: secret() }).prefault({}),
    discord: z.object({ token: secret() }).prefault({}),
  }).prefault({}),
  agent: z.object({ api_key: secret() }).prefault({}),
});

/** `launcher-config.json` in `$PICOCLAW_HOME`. */
export const LauncherConfigSchema = z.object({
  port: port(18800),
  launcher_token: secret(),
  public: bool(false),
  generated: bool(false),
});

/** The launcher's settings; `launcher_token` is empty until resolved at launcher start. */
export type LauncherConfig = z.infer<typeof LauncherConfigSchema>;
