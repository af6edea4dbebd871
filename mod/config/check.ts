import type { ConfigProblem } from "../errors/mod.ts";
import type { LoadedConfig } from "./load.ts";
import { envName } from "./env.ts";

/** Names the place a key's effective value came from, for a problem message. */
function placeOf(loaded: LoadedConfig, key: string): string {
  const source = loaded.sources.get(key);
  if (source === "env") return envName(key.split("."));
  if (source === "config.json") return loaded.paths.configFile;
  if (source === ".security.yml") return loaded.paths.securityFile;
  if (source === "flag") return "--public";
  return "config";
}

/**
 * Checks that the effective config can run: settings that are each valid but do not
 * work together. Returns every problem; an empty list means ready.
 */
export function checkConfig(loaded: LoadedConfig): ConfigProblem[] {
  const { config } = loaded;
  const problems: ConfigProblem[] = [];
  const { pico, pico_client } = config.channels;
  if (pico.enabled && !pico.token.isSet) {
    problems.push({
      source: placeOf(loaded, "channels.pico.enabled"),
      keyPath: "channels.pico.token",
      message: "the Pico channel is enabled but has no token; set channels.pico.token in " +
        `${loaded.paths.securityFile} (best), or PICOCLAW_CHANNELS_PICO_TOKEN, or in ` +
        `${loaded.paths.configFile}; make one with: picoclaw token generate`,
    });
  }
  if (pico_client.enabled && pico_client.url === "") {
    problems.push({
      source: placeOf(loaded, "channels.pico_client.enabled"),
      keyPath: "channels.pico_client.url",
      message: "the Pico client is enabled but has no url; set channels.pico_client.url " +
        `(e.g. ws://remote:18790/pico) in ${loaded.paths.configFile} or PICOCLAW_CHANNELS_PICO_CLIENT_URL`,
    });
  }
  if (config.agent.provider === "openai" && config.agent.base_url === "") {
    problems.push({
      source: placeOf(loaded, "agent.provider"),
      keyPath: "agent.base_url",
      message: 'agent.provider is "openai" but agent.base_url is empty; set it to the server\'s ' +
        "OpenAI-compatible base URL, e.g. http://127.0.0.1:11434/v1",
    });
  }
  const redisUrl = config.cluster.redis_url.reveal();
  if (redisUrl !== "" && !isRedisUrl(redisUrl)) {
    problems.push({
      source: placeOf(loaded, "cluster.redis_url"),
      keyPath: "cluster.redis_url",
      // The value itself is never echoed: it may carry a password.
      message: "cluster.redis_url is not a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379)",
    });
  }
  return problems;
}

/** Whether a value is a URL Bun's Redis client takes: `redis:`, `rediss:`, `valkey:` or `valkeys:`. */
function isRedisUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  return ["redis:", "rediss:", "valkey:", "valkeys:"].includes(new URL(value).protocol);
}
