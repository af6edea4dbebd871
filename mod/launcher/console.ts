import { networkInterfaces } from "node:os";
import type { LauncherToken } from "./token.ts";

/** Addresses other machines may use to reach a public launcher (non-internal IPv4). */
function lanAddresses(): string[] {
  return Object.values(networkInterfaces()).flat()
    .filter((a) => a && a.family === "IPv4" && !a.internal)
    .map((a) => a!.address);
}

/**
 * What `picoclaw --console` prints (SPEC §1, §5.1): the dashboard URL, the launcher token
 * and the one-click URL, unless the token came from `PICOCLAW_LAUNCHER_TOKEN`, which is never echoed.
 */
export function consoleText(
  options: { port: number; public: boolean; token: LauncherToken; gatewayUrl: string },
): string {
  const dashboard = `http://localhost:${options.port}/`;
  const lines = ["", "PicoClaw is running.", `  Dashboard:      ${dashboard}`];
  if (options.public) {
    for (const address of lanAddresses()) lines.push(`                  http://${address}:${options.port}/`);
  }
  if (options.token.source === "env") {
    lines.push("  Launcher token: token from PICOCLAW_LAUNCHER_TOKEN");
  } else {
    const token = options.token.secret.reveal();
    lines.push(`  Launcher token: ${token}`);
    lines.push(`  One-click URL:  ${dashboard}?token=${token}`);
  }
  lines.push(`  Gateway:        ${options.gatewayUrl}`, "");
  return lines.join("\n");
}

/**
 * The fields of the one line plain `picoclaw` (no `--console`: run as a service) logs at start,
 * so its owner finds the dashboard: its URL and where the launcher token is kept (the file, or
 * the environment variable), never the token itself.
 *
 * @param options The bound launcher port, the token in force and the path of `launcher-config.json`.
 * @returns Log fields: `url` and `launcher_token_file` (or `launcher_token_env`).
 * @example
 * log.info("dashboard ready", startLineFields({ port: 18800, token, tokenFile: paths.launcherFile }));
 * // dashboard ready url=http://localhost:18800/ launcher_token_file=/home/me/.picoclaw/launcher-config.json
 */
export function startLineFields(
  options: { port: number; token: LauncherToken; tokenFile: string },
): Record<string, string> {
  const url = `http://localhost:${options.port}/`;
  if (options.token.source === "env") return { url, launcher_token_env: "PICOCLAW_LAUNCHER_TOKEN" };
  return { url, launcher_token_file: options.tokenFile };
}
