import { checkConfig, ConfigStore, describeEffectiveConfig, generateToken, type LoadedConfig } from "../config/mod.ts";
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

/**
 * `picoclaw token reset-launcher` (SPEC §7.4): writes a new random 256-bit launcher token to
 * launcher-config.json (atomically, 0600, `generated: true`). A running launcher in the same
 * home notices the file and switches to it.
 *
 * @returns The new token, and warnings (e.g. that PICOCLAW_LAUNCHER_TOKEN overrides the file).
 * @throws {ConfigError} When launcher-config.json is malformed (nothing is written).
 * @throws {PicoclawError} `write_failed` when the disk refuses the write.
 */
export async function resetLauncherToken(loaded: LoadedConfig): Promise<{ token: string; warnings: string[] }> {
  const token = generateToken(32);
  const { warnings } = await new ConfigStore(loaded).update([
    { key: "launcher.launcher_token", value: token },
    { key: "launcher.generated", value: true },
  ]);
  return { token, warnings };
}
