import * as dashboardHtml from "../../web/dashboard.html" with { type: "text" };
import * as loginHtml from "../../web/login.html" with { type: "text" };
import * as styleCss from "../../web/style.css" with { type: "text" };
import * as manifest from "../../web/manifest.webmanifest" with { type: "text" };
import icon192 from "../../web/icons/icon-192.png" with { type: "file" };
import icon512 from "../../web/icons/icon-512.png" with { type: "file" };
import iconMaskable512 from "../../web/icons/icon-maskable-512.png" with { type: "file" };
import iconSvg from "../../web/icons/icon.svg" with { type: "file" };
import { readFileSync } from "node:fs";
import { bundleWeb } from "./bundle.ts" with { type: "macro" };

// The HTML and CSS are imported as text, so they are embedded in the binary and also work from
// source. TypeScript types such imports as modules, hence the reads through `default`.
function text(module: unknown): string {
  return (module as { default: string }).default;
}

/** A static asset served under `/assets/`. */
export interface Asset {
  body: string | Uint8Array<ArrayBuffer>;
  contentType: string;
  /** @default "no-cache" (scripts and styles change with each build; the icons hardly ever) */
  cacheControl?: string;
}

/** The web app manifest (SPEC §7.5), served at `/manifest.webmanifest` without a session. */
export const MANIFEST = { body: text(manifest), contentType: "application/manifest+json" };

/** Icons change with a release at most: a day in the cache, revalidated after. */
const ICON_CACHE = "public, max-age=86400";

// Embedded in the binary as files (`with { type: "file" }` gives a path, `$bunfs/...` once compiled).
const ICONS: Record<string, { path: string; contentType: string }> = {
  "icon-192.png": { path: icon192, contentType: "image/png" },
  "icon-512.png": { path: icon512, contentType: "image/png" },
  "icon-maskable-512.png": { path: iconMaskable512, contentType: "image/png" },
  "icon.svg": { path: iconSvg, contentType: "image/svg+xml" },
};

/**
 * Builds the dashboard's assets once: the page scripts bundled from `web/` at build time (a Bun
 * macro, see `bundle.ts`: entries, shared chunks, the lazily loaded Markdown chunk and the classic
 * `theme.js`), the stylesheet and the icons. No CDN, nothing fetched or compiled at run time.
 */
export function buildAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const file of bundleWeb()) {
    assets.set(file.name, { body: file.text, contentType: "text/javascript; charset=utf-8" });
  }
  assets.set("style.css", { body: text(styleCss), contentType: "text/css; charset=utf-8" });
  for (const [name, icon] of Object.entries(ICONS)) {
    assets.set(name, {
      body: new Uint8Array(readFileSync(icon.path)),
      contentType: icon.contentType,
      cacheControl: ICON_CACHE,
    });
  }
  return assets;
}

/** The HTML templates of the two pages. */
export const PAGES = {
  login: text(loginHtml),
  dashboard: text(dashboardHtml),
};
