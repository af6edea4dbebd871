import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { childEnv } from "../helpers/binary.ts";
import { rawHandshake } from "../helpers/raw_ws.ts";
import { perTest } from "../helpers/per_test.ts";

const TOKEN = "flood-test-token-0123456789abcdef";
/** The attack as found: 1 600 refused requests, each with a fresh 15 KB Origin. */
const REQUESTS = 1600;
const ORIGIN_CHARS = 15 * 1024;
const PARALLEL = 32;
/**
 * Control characters a header can carry past Bun's HTTP parser (it answers 400 to the other
 * C0 ones): tab, DEL, and C1 (sent as UTF-8, read by the server as Latin-1: "Â" + U+0085, U+009B).
 */
const CONTROLS = "\t\x7f\u0085\u009b[2J";

const each = perTest();

/** A fresh hostile Origin: unique per request, control characters inside, 15 KB long. */
function hostileOrigin(n: number): string {
  const head = `https://evil-${n}.example/${CONTROLS}`;
  return head + "x".repeat(ORIGIN_CHARS - head.length);
}

function logDirBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, name) => sum + statSync(`${dir}/${name}`).size, 0);
}

describe("log flooding (process)", () => {
  test(
    "1 600 refused requests with rotating 15 KB Origins keep the log small, unrotated and free of control characters",
    async () => {
      const home = each.home();
      const child = each.start(
        ["--port", "0"],
        childEnv(home.path, {
          PICOCLAW_GATEWAY_PORT: "0",
          PICOCLAW_CHANNELS_PICO_ENABLED: "true",
          PICOCLAW_CHANNELS_PICO_TOKEN: TOKEN,
          PICOCLAW_CHANNELS_PICO_ALLOW_ORIGINS: "https://allowed.example",
        }),
      );
      const gatewayPort = await child.gatewayPort();
      const launcherPort = await child.launcherPort();
      const logFile = home.file("logs/launcher.log");
      const firstLine = readFileSync(logFile, "utf8").split("\n")[0];
      expect(firstLine.length).toBeGreaterThan(0);

      // Three refusals an unauthenticated client can repeat: a foreign Origin at /pico, no
      // token at /pico, and a foreign Origin at the dashboard's /pico/ws.
      const statuses = new Map<number, number>();
      let next = 0;
      const worker = async () => {
        while (next < REQUESTS) {
          const n = next++;
          const kind = n % 3;
          const port = kind === 2 ? launcherPort : gatewayPort;
          const path = kind === 2 ? "/pico/ws" : "/pico";
          const headers: Record<string, string> = kind === 1
            ? { "X-Junk": hostileOrigin(n) }
            : { Origin: hostileOrigin(n) };
          const answer = await rawHandshake(port, path, { plain: true, headers });
          answer.close();
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        }
      };
      await Promise.all(Array.from({ length: PARALLEL }, worker));
      expect(Object.fromEntries(statuses)).toEqual({ 401: 533, 403: 1067 });

      const text = readFileSync(logFile, "utf8");
      expect(text.split("\n")[0]).toBe(firstLine);
      expect(existsSync(`${logFile}.1`)).toBe(false);
      expect(logDirBytes(home.file("logs"))).toBeLessThan(200 * 1024);
      // deno-lint-ignore no-control-regex -- a raw control character in the file is the failure
      expect(text.replace(/\n/g, "")).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
      // What was refused is still visible, cut and escaped, with the count of lines left out.
      expect(text).toContain("pico connection refused: origin not allowed");
      expect(text).toContain("dashboard socket refused: foreign origin");
      expect(text).toContain("pico connection refused: not authenticated");
      expect(text).toMatch(/origin="https:\/\/evil-\d+\.example\/\\t\\u007fÂ\\u0085Â\\u009b\[2Jx+…\(15\d{3} chars\)"/);
    },
    60_000,
  );
});
