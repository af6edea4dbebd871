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
