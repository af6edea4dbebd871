import { checkConfig, describeEffectiveConfig, type LoadedConfig } from "../config/mod.ts";
import { ConfigError } from "../errors/mod.ts";

/**
 * The text `picoclaw config show` prints: the effective config as JSON, secrets masked.
 * @param options.changed Only the values that differ from the defaults (`--changed`).
 */
export function configShowText(loaded: LoadedConfig, options: { changed?: boolean } = {}): string {
  return `${JSON.stringify(describeEffectiveConfig(loaded, options), null, 2)}\n`;
}

/**
 * What `picoclaw config check` prints once the layers loaded: `config ok`.
 * @throws {ConfigError} Listing every readiness problem (e.g. Pico enabled without a token).
 */
export function configCheckText(loaded: LoadedConfig): string {
  const problems = checkConfig(loaded);
  if (problems.length > 0) throw new ConfigError(problems);
  return "config ok\n";
}
