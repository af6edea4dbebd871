import { type ConfigChange, type ConfigStore, generateToken, Secret } from "../config/mod.ts";

/** Where the launcher token came from (SPEC §5.1), as logged. */
export type LauncherTokenSource = "env" | "config" | "random";

/** The launcher token in force, and what the dashboard needs to know about it. */
export interface LauncherToken {
  secret: Secret;
  source: LauncherTokenSource;
  /** True while the token is one the program made itself (`generated` in launcher-config.json). */
  generated: boolean;
}

/** `initialized` (SPEC §5.1): the token came from env, or the stored token is not a generated one. */
export function isInitialized(token: LauncherToken): boolean {
  return token.source === "env" || !token.generated;
}

/**
 * Resolves the launcher token once at start, first hit wins: `PICOCLAW_LAUNCHER_TOKEN`,
 * then `launcher_token` in launcher-config.json, else a new random 256-bit token (64 hex)
 * persisted to launcher-config.json (0600) with `generated: true`.
 *
 * @throws {PicoclawError} `write_failed` when the new token cannot be persisted.
 */
export async function resolveLauncherToken(store: ConfigStore): Promise<LauncherToken> {
  const { launcher, sources } = store.loaded;
  if (sources.get("launcher.launcher_token") === "env") {
    return { secret: launcher.launcher_token, source: "env", generated: false };
  }
  if (launcher.launcher_token.isSet) {
    return { secret: launcher.launcher_token, source: "config", generated: launcher.generated };
  }
  const value = generateToken(32);
  // A fresh file gets the documented shape, in its order; values set by flags are not persisted.
  const unset = (key: string) => sources.get(key) === "default";
  const changes: ConfigChange[] = [];
  if (unset("launcher.port")) changes.push({ key: "launcher.port", value: launcher.port });
  changes.push({ key: "launcher.launcher_token", value });
  if (unset("launcher.public")) changes.push({ key: "launcher.public", value: launcher.public });
  changes.push({ key: "launcher.generated", value: true });
  if (unset("launcher.trusted_proxies")) changes.push({ key: "launcher.trusted_proxies", value: [] });
  if (unset("launcher.allowed_hosts")) changes.push({ key: "launcher.allowed_hosts", value: [] });
  await store.update(changes);
  return { secret: new Secret(value), source: "random", generated: true };
}
