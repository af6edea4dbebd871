/**
 * @module
 * The build's identity: version from package.json, the git commit baked in at build
 * time (`bun build --define PICOCLAW_COMMIT='"abc1234"'`), the Bun version and the target.
 */

import pkg from "../../package.json" with { type: "json" };

declare const PICOCLAW_COMMIT: string | undefined;

/** The PicoClaw version, from package.json. */
export const VERSION: string = pkg.version;

/** The git commit the binary was built from, or `dev` when run from source. */
export const COMMIT: string = typeof PICOCLAW_COMMIT === "string" ? PICOCLAW_COMMIT : "dev";

/** The platform this process runs on, e.g. `linux-x64` or `linux-arm64`. */
export const TARGET = `${process.platform}-${process.arch}`;

/** The text `picoclaw version` prints. */
export function versionText(): string {
  return `picoclaw ${VERSION} (commit ${COMMIT})\nbun ${Bun.version}\ntarget ${TARGET}\n`;
}
