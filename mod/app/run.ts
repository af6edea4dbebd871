import { followAgentConfig } from "../agent/mod.ts";
import { LocalSessionBus, RedisLink, RedisSessionBus, type SessionBus } from "../cluster/mod.ts";
import { Conversation } from "../conversation/mod.ts";
import { type HistoryStore, openHistory, RedisHistoryStore } from "../history/mod.ts";
import { PicoChannel } from "../channel/mod.ts";
import { checkConfig, ConfigStore, hasChanged, type LoadedConfig } from "../config/mod.ts";
import { ConfigError } from "../errors/mod.ts";
import { startGateway } from "../gateway/mod.ts";
import { consoleText, resolveLauncherToken, startLauncherBindingFirst, startLineFields } from "../launcher/mod.ts";
import { createLogger, type Logger, LogRing } from "../log/mod.ts";
import { DiscordChannel } from "../discord/mod.ts";
import { createMetrics } from "../metrics/mod.ts";
import { PicoClient } from "../pico/mod.ts";
import { TelegramChannel } from "../telegram/mod.ts";
import { join } from "node:path";
import { waitForStopSignal, withDeadline } from "./signals.ts";

/** Where a process's human-facing output goes (stdout for console mode). */
export interface ProcessIO {
  stdout: (text: string) => void;
}

/** How the process runs: `gateway` alone, or launcher mode (gateway + dashboard). */
export interface ProcessMode {
  launcher: boolean;
  /** Console mode: print the dashboard URL and login link to stdout. */
  console: boolean;
}

/** Throws the readiness problems of the config as one `ConfigError`. */
function ensureReady(loaded: LoadedConfig): void {
  const problems = checkConfig(loaded);
  if (problems.length > 0) throw new ConfigError(problems, { warnings: loaded.warnings });
}

/**
 * With `cluster.redis_url` set, connects to Redis (in the background: an unreachable Redis is
 * logged once and retried, the process serves its own sockets meanwhile) and returns the bus.
 */
function startCluster(loaded: LoadedConfig, log: Logger): { bus: RedisSessionBus; link: RedisLink } | undefined {
  const { redis_url, instance_ttl } = loaded.config.cluster;
  if (!redis_url.isSet) return undefined;
  const link = new RedisLink({ url: redis_url.reveal(), log });
  const bus = new RedisSessionBus({ link, ttlSeconds: instance_ttl, log });
  void link.start();
  log.info("cluster mode", { instance: bus.instanceId, instance_ttl });
  return { bus, link };
}

/**
 * Runs the long-lived process until SIGINT/SIGTERM: the gateway, and in launcher mode the
 * dashboard too. Returns the exit code (0 after a clean stop).
 *
 * @throws {ConfigError} When the config cannot run (exit 2).
 * @throws {PicoclawError} `port_in_use`, `write_failed` and other start failures (exit 1).
 */
export async function runServerProcess(loaded: LoadedConfig, mode: ProcessMode, io: ProcessIO): Promise<number> {
  ensureReady(loaded);
  // Listen for SIGINT/SIGTERM before starting anything, so a stop during start-up is clean too.
  const stopSignal = waitForStopSignal();
  // The last 1000 entries stay in memory for the dashboard's Logs page.
  const logs = new LogRing();
  const log: Logger = createLogger(mode.launcher ? { file: loaded.paths.logFile, ring: logs } : {});
  const stops: (() => void | Promise<void>)[] = [];
  let history: HistoryStore | undefined;
  let bus: SessionBus | undefined;
  const stopAll = async () => {
    for (const stop of stops) await stop();
    // Closed last, when the servers and the client no longer add to it; closing flushes it.
    await history?.close();
    // After the history: its last writes go through the cluster's Redis connection.
    await bus?.close();
  };
  try {
    for (const warning of loaded.warnings) log.warn(warning);
    const store = new ConfigStore(loaded);
    const metrics = createMetrics();
    const cluster = startCluster(loaded, log);
    bus = cluster?.bus ?? new LocalSessionBus();
    const historyOptions = {
      enabled: loaded.config.history.enabled,
      maxMessages: loaded.config.history.max_messages,
      maxSessions: loaded.config.history.max_sessions,
      log,
    };
    history = cluster && historyOptions.enabled
      ? new RedisHistoryStore({ redis: cluster.link, ...historyOptions })
      : openHistory({ path: loaded.paths.historyFile, ...historyOptions });
    // One agent object for the channel, the client and the gateway; it is rebuilt whenever an
    // agent.* key changes (Agent page): replies in flight finish on the old one.
    const { agent } = followAgentConfig(store, history);
    const { pico, pico_client } = loaded.config.channels;
    const conversation = new Conversation({ agent, history, log, metrics, lock: bus.lock });
    const client = new PicoClient({ settings: pico_client, liveness: pico, conversation, log });
    // The Pico client redials with its new settings when the dashboard saves them.
    store.subscribe((next, changed) => {
      if (hasChanged(changed, "channels.pico_client.")) client.reconfigure(next.config.channels.pico_client);
    });
    // Telegram (SPEC §8): restarted with its new settings when the dashboard saves them.
    const telegram = new TelegramChannel({
      settings: () => store.config.channels.telegram,
      conversation,
      log,
      offsetFile: join(loaded.paths.home, "telegram-offset.json"),
    });
    store.subscribe((_next, changed) => {
      if (hasChanged(changed, "channels.telegram.")) void telegram.reconfigure();
    });
    const channel = new PicoChannel({ store, conversation, log, metrics, bus });
    const discord = new DiscordChannel({ store, conversation, log });
    const gateway = startGateway({
      store,
      channel,
      history,
      agent,
      log,
      metrics,
      picoClientStatus: () => client.status(),
      telegramStatus: () => telegram.status(),
      discordStatus: () => discord.status(),
      clusterStatus: () => bus?.status(),
    });
    // Replies still being written are cancelled (the channels that wait for them stopped first),
    // then the gateway closes its sockets.
    stops.push(() => conversation.close());
    stops.push(() => gateway.stop());
    client.start();
    telegram.start();
    stops.unshift(() => telegram.stop());
    // The client closes first (1000), so the remote sees a clean goodbye.
    stops.unshift(() => client.stop());
    // Discord: a failing token or network only changes its status; it never stops the rest.
    discord.start();
    stops.unshift(() => discord.stop());
    if (mode.launcher) {
      // The port first: a launcher that cannot listen must not write a new token (SPEC §1 exit 1).
      const launcher = await startLauncherBindingFirst({
        store,
        channel,
        history,
        gatewayStatus: () => gateway.status(),
        log,
        logs,
        metrics,
        host: loaded.launcher.public ? "0.0.0.0" : "127.0.0.1",
        port: loaded.launcher.port,
      }, () => resolveLauncherToken(store));
      const token = launcher.context.token;
      log.info("launcher token resolved", { source: token.source });
      stops.push(() => launcher.stop());
      if (mode.console) {
        const gatewayUrl = `http://${gateway.hostname}:${gateway.port}/`;
        io.stdout(consoleText({ port: launcher.port, public: loaded.launcher.public, token, gatewayUrl }));
      } else {
        // Run as a service, nobody sees a console: one line says where to go and where the token is.
        log.info(
          "dashboard ready",
          startLineFields({ port: launcher.port, token, tokenFile: loaded.paths.launcherFile }),
        );
      }
    }
    const signal = await stopSignal;
    log.info("stopping", { signal });
    await withDeadline(stopAll(), 4000);
    log.info("stopped");
    return 0;
  } catch (err) {
    await withDeadline(stopAll(), 4000);
    throw err;
  } finally {
    log.close();
  }
}
