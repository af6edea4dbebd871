import { open } from "node:fs/promises";
import { Hono } from "hono";
import { z } from "../zod/mod.ts";
import { describe, parseRequest } from "../http/mod.ts";
import { LOG_LEVELS, type LogEntry, type LogLevel } from "../log/mod.ts";
import { type LauncherContext, type LauncherEnv, NO_STORE } from "./context.ts";

/** At most this much of `launcher.log` is sent (its newest part); the file rotates at 5 MiB. */
export const MAX_LOG_DOWNLOAD_BYTES = 8 * 1024 * 1024;

const LogsQuerySchema = z.object({
  level: z.optional(z.enum(LOG_LEVELS as [LogLevel, ...LogLevel[]])),
  after: z.optional(z.string().check(z.regex(/^\d{1,15}$/, "must be a whole number"))),
});

/** The newest `max` bytes of a file (from a line start when cut), or undefined when it does not exist. */
async function readTail(path: string, max: number): Promise<Uint8Array<ArrayBuffer> | undefined> {
  let file;
  try {
    file = await open(path, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    const size = (await file.stat()).size;
    const length = Math.min(size, max);
    const buffer = new Uint8Array(length);
    const { bytesRead } = await file.read(buffer, 0, length, size - length);
    const bytes = buffer.subarray(0, bytesRead);
    if (length === size) return bytes;
    // Cut: start at the first whole line.
    const newline = bytes.indexOf(0x0a);
    return newline === -1 ? bytes : bytes.subarray(newline + 1);
  } finally {
    await file.close();
  }
}

/** The ring as log-file lines, when there is no file to send. */
function ringText(entries: readonly LogEntry[]): string {
  return entries.map((e) => {
    let line = `${new Date(e.ts).toISOString()} ${e.level.toUpperCase().padEnd(5)} ${e.msg}`;
    for (const [key, value] of Object.entries(e.fields)) {
      line += ` ${key}=${/^[^\s"=\\]+$/.test(value) ? value : JSON.stringify(value)}`;
    }
    return `${line}\n`;
  }).join("");
}

/**
 * The Logs page's API (SPEC §7.3), behind the session check of `/api/*`:
 * `GET /api/logs?level=<min>&after=<seq>` → `{entries, next}` from the in-memory ring, and
 * `GET /api/logs/download` → the newest part of `launcher.log` (at most
 * `MAX_LOG_DOWNLOAD_BYTES`) as a `text/plain` attachment, or the ring as text without a file.
 */
export function createLogRoutes(ctx: LauncherContext): Hono<LauncherEnv> {
  const app = new Hono<LauncherEnv>();

  app.get(
    "/api/logs",
    describe({
      summary: "The newest log entries kept in memory (level, after)",
      tags: ["logs"],
      query: LogsQuerySchema,
    }),
    (c) => {
      const query = parseRequest(LogsQuerySchema, c.req.query());
      const page = ctx.logs.query({ level: query.level, after: query.after === undefined ? 0 : Number(query.after) });
      return c.json(page, 200, NO_STORE);
    },
  );

  app.get(
    "/api/logs/download",
    describe({ summary: "launcher.log as a text/plain attachment (its newest 8 MiB)", tags: ["logs"] }),
    async (c) => {
      const file = await readTail(ctx.store.loaded.paths.logFile, MAX_LOG_DOWNLOAD_BYTES);
      const body = file ?? new TextEncoder().encode(ringText(ctx.logs.query().entries));
      return c.body(body, 200, {
        ...NO_STORE,
        "Content-Type": "text/plain; charset=utf-8",
        "Content-Disposition": 'attachment; filename="launcher.log"',
      });
    },
  );
  return app;
}
