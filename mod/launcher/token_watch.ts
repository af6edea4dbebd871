import { type FSWatcher, watch } from "node:fs";
import { open } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { Secret } from "../config/mod.ts";
import type { LauncherContext } from "./context.ts";

/** launcher-config.json is a few hundred bytes; a larger file is not read whole. */
const MAX_FILE_BYTES = 64 * 1024;
/** Events of one atomic replace (temp file, rename) are handled together after this pause. */
const SETTLE_MS = 100;

/** What one look at the changed file found: `adopted` = the launcher switched to its token. */
export type TokenWatchOutcome = "adopted" | "unchanged" | "env" | "unreadable";

/** Options for `watchLauncherToken()`. */
export interface TokenWatchOptions {
  /** Called after each look at the file (tests wait on it instead of sleeping). */
  onCheck?: (outcome: TokenWatchOutcome) => void;
}

/** The `launcher_token` and `generated` of launcher-config.json, or undefined when unreadable. */
async function readStoredToken(path: string): Promise<{ token: string; generated: boolean } | undefined> {
  try {
    const file = await open(path, "r");
    try {
      const buffer = new Uint8Array(MAX_FILE_BYTES);
      const { bytesRead } = await file.read(buffer, 0, MAX_FILE_BYTES, 0);
      const raw = JSON.parse(new TextDecoder().decode(buffer.subarray(0, bytesRead)));
      if (typeof raw?.launcher_token !== "string" || raw.launcher_token === "") return undefined;
      return { token: raw.launcher_token, generated: raw.generated === true };
    } finally {
      await file.close();
    }
  } catch {
    return undefined;
  }
}

/**
 * Follows launcher-config.json while the launcher runs, so `picoclaw token reset-launcher`
 * (SPEC §7.4) takes effect at once: when the file gets a launcher token that this process
 * neither uses nor wrote itself, the launcher switches to it and ends every session (their
 * dashboard sockets close with 4001). The file is replaced atomically (a rename), so the
 * directory is watched (inotify, no polling) and events are filtered by the file's name.
 *
 * @returns A function that stops watching.
 * @example
 * const stop = watchLauncherToken(ctx);
 * // ... later
 * stop();
 */
export function watchLauncherToken(ctx: LauncherContext, options: TokenWatchOptions = {}): () => void {
  const path = ctx.store.loaded.paths.launcherFile;
  const name = basename(path);
  // The token the file held when last read or written by this process: a change to it is new.
  let known = ctx.store.launcher.launcher_token.reveal();
  const unsubscribe = ctx.store.subscribe((next) => {
    known = next.launcher.launcher_token.reveal();
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const look = async (): Promise<TokenWatchOutcome> => {
    const stored = await readStoredToken(path);
    if (stored === undefined) return "unreadable";
    // Our own rotation (written by the store) or an unrelated change: nothing to do.
    if (stopped || stored.token === known) return "unchanged";
    known = stored.token;
    if (ctx.token.source === "env") {
      ctx.log.warn("launcher-config.json has a new launcher token, but PICOCLAW_LAUNCHER_TOKEN stays in force");
      return "env";
    }
    if (stored.token === ctx.token.secret.reveal()) return "unchanged";
    ctx.token = { secret: new Secret(stored.token), source: "config", generated: stored.generated };
    ctx.sessions.rotateKey();
    await ctx.store.adoptLauncherToken(ctx.token.secret, stored.generated);
    ctx.log.info("launcher token changed in launcher-config.json; every dashboard session ended");
    return "adopted";
  };
  const check = async () => {
    timer = undefined;
    const outcome = await look();
    options.onCheck?.(outcome);
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, filename) => {
      if (filename !== name || timer !== undefined || stopped) return;
      timer = setTimeout(() => void check(), SETTLE_MS);
    });
    watcher.on("error", (err) => {
      ctx.log.warn("cannot follow launcher-config.json; restart after token reset-launcher", { why: err });
      watcher?.close();
    });
  } catch (err) {
    ctx.log.warn("cannot follow launcher-config.json; restart after token reset-launcher", { why: err as Error });
  }
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    unsubscribe();
    watcher?.close();
  };
}
