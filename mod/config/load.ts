import type { z } from "../zod/mod.ts";
import { ConfigError, type ConfigProblem } from "../errors/mod.ts";
import { readEnvLayer } from "./env.ts";
import { type ConfigPaths, resolvePaths } from "./paths.ts";
import { readConfigFile } from "./read_file.ts";
import { type Config, ConfigSchema, type LauncherConfig, LauncherConfigSchema, SecuritySchema } from "./schema.ts";
import { type Layer, validateLayer } from "./layer.ts";
import { deepFreeze, getIn, type Leaf, listLeaves, setIn, unknownKeys } from "./walk.ts";

/** Where an effective value came from, lowest precedence first. */
export type Source = "default" | "config.json" | ".security.yml" | "launcher-config.json" | "env" | "flag";

/** Command-line flags that feed the config (the highest layer). */
export interface ConfigFlags {
  home?: string;
  config?: string;
  /** Launcher port. */
  port?: number;
  /** Bind launcher and gateway on all interfaces. */
  public?: boolean;
}

/** Everything `loadConfig()` found: the frozen config, where each leaf came from, and warnings. */
export interface LoadedConfig {
  config: Readonly<Config>;
  launcher: Readonly<LauncherConfig>;
  /** Source of every leaf: `gateway.port` for config, `launcher.port` for the launcher. */
  sources: ReadonlyMap<string, Source>;
  warnings: readonly string[];
  paths: ConfigPaths;
}

export const CONFIG_LEAVES: readonly Leaf[] = listLeaves(ConfigSchema);
export const SECURITY_LEAVES: readonly Leaf[] = listLeaves(SecuritySchema);
export const LAUNCHER_LEAVES: readonly Leaf[] = listLeaves(LauncherConfigSchema);

/** The merge target: raw values by key path and which layer set each. */
interface Merge {
  raw: Record<string, unknown>;
  sources: Map<string, Source>;
}

/** Validates one layer on its own (so each problem names its file) and merges its leaves. */
function applyLayer(
  schema: z.ZodMiniType,
  leaves: readonly Leaf[],
  layer: Layer & { label: Source },
  merge: Merge,
  problems: ConfigProblem[],
  sourcePrefix = "",
): void {
  problems.push(...validateLayer(schema, leaves, layer));
  for (const leaf of leaves) {
    const value = getIn(layer.raw, leaf.path);
    if (value === undefined) continue;
    setIn(merge.raw, leaf.path, value);
    merge.sources.set(sourcePrefix + leaf.key, layer.label);
  }
}

function fileLayer(label: Source, path: string, raw: Record<string, unknown>): Layer & { label: Source } {
  return { label, raw, locate: (key) => ({ source: path, keyPath: key }), yaml: label === ".security.yml" };
}

/**
 * Loads and validates every config layer, once:
 * defaults < `config.json` < `.security.yml` < `PICOCLAW_*` env < flags, and
 * defaults < `launcher-config.json` < `PICOCLAW_LAUNCHER_TOKEN` < flags for the launcher.
 * This is the only reader of config files and the environment.
 *
 * @param options.env The environment, e.g. `process.env`; tests pass a plain object.
 * @param options.flags Command-line flags.
 * @returns The frozen config with the source of each leaf and the warnings found.
 * @throws {ConfigError} Listing every syntax, schema and env problem, naming file/line/key or variable.
 */
export async function loadConfig(options: {
  env: Record<string, string | undefined>;
  flags?: ConfigFlags;
}): Promise<LoadedConfig> {
  const { env, flags = {} } = options;
  const paths = resolvePaths(env, flags);
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const main: Merge = { raw: {}, sources: new Map(CONFIG_LEAVES.map((l) => [l.key, "default"])) };
  const launcher: Merge = {
    raw: {},
    sources: new Map(LAUNCHER_LEAVES.map((l) => [`launcher.${l.key}`, "default"])),
  };

  const [configFile, securityFile, launcherFile] = await Promise.all([
    readConfigFile(paths.configFile, "json"),
    readConfigFile(paths.securityFile, "yaml"),
    readConfigFile(paths.launcherFile, "json"),
  ]);
  for (const file of [configFile, securityFile, launcherFile]) problems.push(...file.problems);
  // A config file named on purpose that is not there is a typo, not "run on defaults" (SPEC §1).
  const named = flags.config ? "--config" : env.PICOCLAW_CONFIG ? "PICOCLAW_CONFIG" : undefined;
  if (named && !configFile.exists) {
    problems.push({
      source: paths.configFile,
      message: `does not exist (named by ${named}); create it or fix the path`,
    });
  }

  if (configFile.raw) {
    for (const key of unknownKeys(ConfigSchema, configFile.raw)) {
      warnings.push(`${paths.configFile}: unknown key "${key}" (ignored)`);
    }
    for (const leaf of CONFIG_LEAVES) {
      const value = getIn(configFile.raw, leaf.path);
      if (leaf.info.secret && typeof value === "string" && value !== "") {
        warnings.push(
          `${paths.configFile}: ${leaf.key} is a secret; .security.yml beside it (mode 0600) is the safer place`,
        );
      }
    }
    applyLayer(ConfigSchema, CONFIG_LEAVES, fileLayer("config.json", paths.configFile, configFile.raw), main, problems);
  }

  if (securityFile.raw) {
    for (const key of unknownKeys(SecuritySchema, securityFile.raw)) {
      const known = CONFIG_LEAVES.some((l) => l.key === key || l.key.startsWith(`${key}.`));
      warnings.push(
        known
          ? `${paths.securityFile}: ${key} is not a secret; put it in config.json (ignored)`
          : `${paths.securityFile}: unknown key "${key}" (ignored)`,
      );
    }
    if (securityFile.mode !== undefined && (securityFile.mode & 0o077) !== 0) {
      const mode = securityFile.mode.toString(8).padStart(4, "0");
      warnings.push(
        `${paths.securityFile}: readable by group or others (mode ${mode}); run: chmod 600 ${paths.securityFile}`,
      );
    }
    applyLayer(
      SecuritySchema,
      SECURITY_LEAVES,
      fileLayer(".security.yml", paths.securityFile, securityFile.raw),
      main,
      problems,
    );
  }

  if (launcherFile.raw) {
    for (const key of unknownKeys(LauncherConfigSchema, launcherFile.raw)) {
      warnings.push(`${paths.launcherFile}: unknown key "${key}" (ignored)`);
    }
    applyLayer(
      LauncherConfigSchema,
      LAUNCHER_LEAVES,
      fileLayer("launcher-config.json", paths.launcherFile, launcherFile.raw),
      launcher,
      problems,
      "launcher.",
    );
  }

  const envLayer = readEnvLayer(env, CONFIG_LEAVES);
  problems.push(...envLayer.problems);
  warnings.push(...envLayer.warnings);
  applyLayer(
    ConfigSchema,
    CONFIG_LEAVES,
    {
      label: "env",
      raw: envLayer.raw,
      locate: (key) => ({ source: envLayer.variableByKey.get(key) ?? "environment" }),
      original: (key) => env[envLayer.variableByKey.get(key) ?? ""],
    },
    main,
    problems,
  );
  if (env.PICOCLAW_LAUNCHER_TOKEN) {
    applyLayer(
      LauncherConfigSchema,
      LAUNCHER_LEAVES,
      {
        label: "env",
        raw: { launcher_token: env.PICOCLAW_LAUNCHER_TOKEN },
        locate: () => ({ source: "PICOCLAW_LAUNCHER_TOKEN" }),
      },
      launcher,
      problems,
      "launcher.",
    );
  }

  const launcherFlags: Record<string, unknown> = {};
  if (flags.port !== undefined) launcherFlags.port = flags.port;
  if (flags.public) launcherFlags.public = true;
  applyLayer(
    LauncherConfigSchema,
    LAUNCHER_LEAVES,
    {
      label: "flag",
      raw: launcherFlags,
      locate: (key) => ({ source: `--${key}` }),
    },
    launcher,
    problems,
    "launcher.",
  );
  if (flags.public) {
    applyLayer(
      ConfigSchema,
      CONFIG_LEAVES,
      {
        label: "flag",
        raw: { gateway: { host: "0.0.0.0" } },
        locate: () => ({ source: "--public" }),
      },
      main,
      problems,
    );
  }

  if (problems.length > 0) throw new ConfigError(problems, { warnings });
  return deepFreeze({
    config: ConfigSchema.parse(main.raw),
    launcher: LauncherConfigSchema.parse(launcher.raw),
    sources: new Map([...main.sources, ...launcher.sources]),
    warnings,
    paths,
  });
}
