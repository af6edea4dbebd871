import { ConfigSchema, ConfigStore, LauncherConfigSchema, resolvePaths } from "../../mod/config/mod.ts";

/**
 * A config store over a parsed config with no files behind it (for in-process servers whose
 * tests never save settings). Its paths point into `home`, which need not exist.
 */
export function makeStore(config: unknown, home = "/nonexistent/picoclaw-test-home"): ConfigStore {
  return new ConfigStore({
    config: ConfigSchema.parse(config),
    launcher: LauncherConfigSchema.parse({}),
    sources: new Map(),
    warnings: [],
    paths: resolvePaths({ PICOCLAW_HOME: home }, {}),
  });
}
