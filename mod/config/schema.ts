import { z } from "../zod/mod.ts";
import { isIpOrCidr } from "./ip.ts";
import { Secret } from "./secret.ts";

/** How a leaf value is written in env variables, and what to say when it is wrong. */
export interface LeafInfo {
  /** `boolean`, `integer` and `list` values are coerced from env strings; the rest stay strings. */
  kind: "boolean" | "integer" | "string" | "list";
  /** Words for the error message: `expected <expected>, got <value>`. */
  expected: string;
  /** Secrets are masked everywhere and belong in `.security.yml`. */
  secret?: boolean;
  /** A URL that may carry `user:pass@`: shown with the credentials masked (`maskUrlCredentials`). */
  url?: boolean;
}

/** Marks the schemas that are config leaves; walking a schema stops at them. */
export const leafInfo = z.registry<LeafInfo>();

function leaf<T extends z.ZodMiniType>(schema: T, info: LeafInfo): T {
  leafInfo.add(schema, info);
  return schema;
}

function bool(value: boolean) {
  return leaf(z._default(z.boolean(), value), { kind: "boolean", expected: "true or false" });
}

function positiveInt(value: number) {
  return leaf(z._default(z.int().check(z.positive()), value), { kind: "integer", expected: "a positive integer" });
}

function nonNegativeInt(value: number) {
  return leaf(z._default(z.int().check(z.nonnegative()), value), {
    kind: "integer",
    expected: "a non-negative integer",
  });
}

function port(value: number) {
  return leaf(z._default(z.int().check(z.minimum(0), z.maximum(65535)), value), {
    kind: "integer",
    expected: "a port number (0-65535)",
  });
}

function text(value = "") {
  return leaf(z._default(z.string(), value), { kind: "string", expected: "a string" });
}

function secret() {
  return leaf(z.pipe(z._default(z.string(), ""), z.transform((s: string) => new Secret(s))), {
    kind: "string",
    expected: "a string",
    secret: true,
  });
}

/** An object of settings whose keys are all optional: a missing section is `{}`. */
function section<T extends z.core.$ZodLooseShape>(shape: T) {
  // Every key of a section is optional, so {} is always a valid input.
  return z.prefault(z.object(shape), {} as never);
}

const SESSION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** True when `value` is a valid Pico session id: 1–128 chars of `[A-Za-z0-9._:-]`. */
export function isValidSessionId(value: string): boolean {
  return SESSION_ID.test(value);
}

function urlWithSchemes(schemes: string[], expected: string, fallback = "") {
  const accepts = (v: string) => {
    if (v === "") return true;
    if (!URL.canParse(v)) return false;
    return schemes.includes(new URL(v).protocol);
  };
  return leaf(z._default(z.string().check(z.refine(accepts)), fallback), { kind: "string", expected, url: true });
}

/** A list of user ids or names (`allow_from`): each 1-64 characters, at most 1000. */
function idList(expected: string) {
  const id = z.string().check(z.minLength(1), z.maxLength(64));
  return leaf(z._default(z.array(id).check(z.maxLength(1000)), []), {
    kind: "list",
    expected: `a list of ${expected}`,
  });
}

/** `config.json`: every key optional, defaults from SPEC.md §2. */
export const ConfigSchema = z.object({
  gateway: section({
    host: leaf(z._default(z.string().check(z.minLength(1)), "127.0.0.1"), {
      kind: "string",
      expected: "a host name or IP address",
    }),
    port: port(18790),
  }),
  channels: section({
    pico: section({
      enabled: bool(false),
      token: secret(),
      allow_token_query: bool(false),
      allow_origins: leaf(z._default(z.array(z.string()), []), {
        kind: "list",
        expected: "a list of origins",
      }),
      ping_interval: positiveInt(30),
      read_timeout: positiveInt(60),
      write_timeout: positiveInt(60),
      max_connections: positiveInt(100),
      max_message_bytes: positiveInt(1048576),
      max_frames_per_second: nonNegativeInt(20),
    }),
    pico_client: section({
      enabled: bool(false),
      url: urlWithSchemes(["ws:", "wss:"], "a ws:// or wss:// URL"),
      token: secret(),
      session_id: leaf(z._default(z.string().check(z.refine((v) => v === "" || isValidSessionId(v))), ""), {
        kind: "string",
        expected: "1-128 characters of A-Z a-z 0-9 . _ : -",
      }),
    }),
    telegram: section({
      enabled: bool(false),
      token: secret(),
      /** Telegram user ids or `@usernames`; empty = nobody (SPEC §8). */
      allow_from: idList("Telegram user ids or @usernames"),
      api_base: urlWithSchemes(["http:", "https:"], "an http:// or https:// URL", "https://api.telegram.org"),
    }),
    discord: section({
      enabled: bool(false),
      token: secret(),
      /** Discord user ids; empty = nobody (SPEC §8). */
      allow_from: idList("Discord user ids"),
      api_base: urlWithSchemes(["http:", "https:"], "an http:// or https:// URL", "https://discord.com/api/v10"),
    }),
  }),
  agent: section({
    provider: leaf(z._default(z.enum(["echo", "openai"]), "echo"), {
      kind: "string",
      expected: `"echo" or "openai"`,
    }),
    base_url: urlWithSchemes(["http:", "https:"], "an http:// or https:// URL"),
    api_key: secret(),
    model: text(),
    system_prompt: text(),
    stream: bool(true),
    timeout: positiveInt(120),
    /** UTF-8 bytes of one reply (and of what history keeps of one turn); past it the reply is cut off. */
    max_reply_bytes: positiveInt(1048576),
  }),
  history: section({
    enabled: bool(true),
    max_messages: positiveInt(1000),
    max_sessions: positiveInt(500),
  }),
  /** Several gateways as one (SPEC §9): empty `redis_url` = one process. */
  cluster: section({
    /** `redis://[user:pass@]host:port[/db]`; a secret (it may carry a password). */
    redis_url: secret(),
    /** Seconds an instance's heartbeat and a session lease live without renewal. */
    instance_ttl: positiveInt(15),
  }),
});

/** The effective, validated config: `config.json` < `.security.yml` < env < flags over defaults. */
export type Config = z.infer<typeof ConfigSchema>;

/** `.security.yml`: secrets only, at the same key paths as `config.json`. */
export const SecuritySchema = z.object({
  channels: section({
    pico: section({ token: secret() }),
    pico_client: section({ token: secret() }),
    telegram: section({ token: secret() }),
    discord: section({ token: secret() }),
  }),
  agent: section({ api_key: secret() }),
  cluster: section({ redis_url: secret() }),
});

/** `launcher-config.json` in `$PICOCLAW_HOME`. */
export const LauncherConfigSchema = z.object({
  port: port(18800),
  launcher_token: secret(),
  public: bool(false),
  generated: bool(false),
  /** Reverse proxies (IPs or CIDRs) whose `X-Forwarded-*` headers are believed (SPEC §5.4). */
  trusted_proxies: leaf(z._default(z.array(z.string().check(z.refine(isIpOrCidr))), []), {
    kind: "list",
    expected: "a list of IP addresses or CIDRs (e.g. 127.0.0.1, 10.0.0.0/8)",
  }),
  /** Extra `Host` names the dashboard answers to (SPEC §5.4). */
  allowed_hosts: leaf(z._default(z.array(z.string().check(z.minLength(1))), []), {
    kind: "list",
    expected: "a list of host names",
  }),
});

/** The launcher's settings; `launcher_token` is empty until resolved at launcher start. */
export type LauncherConfig = z.infer<typeof LauncherConfigSchema>;
