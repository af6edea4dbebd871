import { followAgentConfig } from "../../mod/agent/mod.ts";
import { Conversation } from "../../mod/conversation/mod.ts";
import { PicoChannel } from "../../mod/channel/mod.ts";
import { type HistoryStore, openHistory } from "../../mod/history/mod.ts";
import { ConfigStore, loadConfig } from "../../mod/config/mod.ts";
import { type Gateway, startGateway } from "../../mod/gateway/mod.ts";
import {
  createLauncherApp,
  createLauncherContext,
  type LauncherContext,
  resolveLauncherToken,
  startLauncher,
} from "../../mod/launcher/mod.ts";
import { createLogger, LogRing } from "../../mod/log/mod.ts";
import { createMetrics } from "../../mod/metrics/mod.ts";
import type { LoginLimiter } from "../../mod/session/mod.ts";
import { makeTempHome, type TempHome } from "./temp_home.ts";

/** A launcher app (for `app.request()`) or server around a real gateway, in a temp home. */
export interface TestLauncher {
  home: TempHome;
  ctx: LauncherContext;
  gateway: Gateway;
  channel: PicoChannel;
  logs: string[];
  /** The launcher token in force. */
  token(): string;
  /** `app.request()` as if from `peer` (default 127.0.0.1). */
  request(path: string, init?: RequestInit, peer?: string): Promise<Response>;
  /** Signs in with the launcher token and returns the `Cookie` header value. */
  login(peer?: string): Promise<string>;
  stop(): Promise<void>;
}

/** Home files that turn the public Pico channel on with `token` (for tests that mix public and dashboard sockets). */
export function picoChannelFiles(token: string): Record<string, string> {
  return {
    "config.json": JSON.stringify({ channels: { pico: { enabled: true } } }),
    ".security.yml": `channels:\n  pico:\n    token: "${token}"\n`,
  };
}

/** Options: files in the home, env on top, and whether to serve on a real port. */
export interface TestLauncherOptions {
  files?: Record<string, string>;
  env?: Record<string, string>;
  /** Start a real launcher server on port 0 too (for WebSocket tests). */
  serve?: boolean;
  /** A clock for the session manager and login limiter. */
  now?: () => number;
  /** The limiter of a served launcher. */
  limiter?: LoginLimiter;
  /** The chat history (closed at stop); by default the home's `picoclaw.db`. */
  history?: HistoryStore;
}

/** The `Cookie` header value for the session cookie a response set. */
export function sessionCookie(res: Response): string {
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith("picoclaw_session="));
  if (!cookie) throw new Error(`No session cookie in ${res.status} response`);
  return cookie.split(";")[0];
}

/** Builds the launcher on a temp home with a real gateway on 127.0.0.1 port 0. */
export async function makeTestLauncher(options: TestLauncherOptions = {}): Promise<TestLauncher & { port?: number }> {
  const home = makeTempHome(options.files ?? {});
  const loaded = await loadConfig({
    env: { PICOCLAW_HOME: home.path, PICOCLAW_GATEWAY_PORT: "0", ...options.env },
  });
  const store = new ConfigStore(loaded);
  const logs: string[] = [];
  const ring = new LogRing();
  const log = createLogger({ stderr: (line) => logs.push(line), level: "debug", ring });
  const metrics = createMetrics();
  const history = options.history ?? openHistory({ path: loaded.paths.historyFile, log });
  // As the app does: the agent follows the store, so the Agent page applies live.
  const { agent } = followAgentConfig(store, history);
  const conversation = new Conversation({ agent, history, log, metrics });
  const channel = new PicoChannel({ store, conversation, log, metrics, now: options.now });
  const gateway = startGateway({ store, channel, history, agent, log, metrics });
  const token = await resolveLauncherToken(store);
  const shared = {
    store,
    token,
    channel,
    history,
    gatewayStatus: () => gateway.status(),
    log,
    logs: ring,
    metrics,
    limiter: options.limiter,
    now: options.now,
  };
  let ctx: LauncherContext;
  let stopServer = async () => {};
  let port: number | undefined;
  if (options.serve) {
    const launcher = startLauncher({ ...shared, host: "127.0.0.1", port: 0 });
    ctx = launcher.context;
    port = launcher.port;
    stopServer = () => launcher.stop();
  } else {
    ctx = createLauncherContext(shared);
  }
  const app = createLauncherApp(ctx);
  const launcher: TestLauncher & { port?: number } = {
    home,
    ctx,
    gateway,
    channel,
    logs,
    port,
    token: () => ctx.token.secret.reveal(),
    request: (path, init, peer = "127.0.0.1") =>
      Promise.resolve(app.request(path, init, { requestIP: () => ({ address: peer, family: "IPv4", port: 40000 }) })),
    login: async (peer) => {
      const res = await launcher.request("/login", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token: launcher.token() }),
      }, peer);
      if (res.status !== 200) throw new Error(`Login failed: ${res.status}`);
      return sessionCookie(res);
    },
    stop: async () => {
      await stopServer();
      conversation.close();
      await gateway.stop();
      await history.close();
      home.remove();
    },
  };
  return launcher;
}

/** JSON POST init with optional cookie and extra headers. */
export function postJson(body: unknown, cookie?: string, headers: Record<string, string> = {}): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}), ...headers },
    body: JSON.stringify(body),
  };
}
