/**
 * @module
 * Config: the zod schemas (the one source of defaults, env names and error paths),
 * layered loading (defaults < config.json < .security.yml < env < flags), `Secret`,
 * and the only code that writes config files (atomically, mode 0600).
 */

export { writeFileAtomic } from "./atomic_write.ts";
export { checkConfig } from "./check.ts";
export { coerceEnvValue, envName, readEnvLayer } from "./env.ts";
export {
  CONFIG_LEAVES,
  type ConfigFlags,
  LAUNCHER_LEAVES,
  loadConfig,
  type LoadedConfig,
  SECURITY_LEAVES,
  type Source,
} from "./load.ts";
export { type ConfigPaths, resolvePaths } from "./paths.ts";
export {
  type Config,
  ConfigSchema,
  isValidSessionId,
  type LauncherConfig,
  LauncherConfigSchema,
  SecuritySchema,
} from "./schema.ts";
export { generateToken, mask, maskUrlCredentials, Secret } from "./secret.ts";
export { describeEffectiveConfig, type DescribeOptions, type ShownValue } from "./show.ts";
export { type ConfigListener, ConfigStore, validateChanges } from "./store.ts";
export { type ConfigChange, type ConfigKey, type ConfigValue, hasChanged } from "./keys.ts";
export { inNetworks, type IpNetwork, isIpOrCidr, normalizeIp, parseNetwork } from "./ip.ts";
export { type KeyChange, updateJsonFile, updateYamlFile } from "./update_file.ts";
export { type Leaf, listLeaves } from "./walk.ts";
