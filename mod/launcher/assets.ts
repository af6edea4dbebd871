import * as dashboardHtml from "../../web/dashboard.html" with { type: "text" };
import * as loginHtml from "../../web/login.html" with { type: "text" };
import * as styleCss from "../../web/style.css" with { type: "text" };
import { bundleWeb } from "./bundle.ts" with { type: "macro" };

// The HTML and CSS are imported as text, so they are embedded in the binary and also work from
// source. TypeScript types such imports as modules, hence the reads through `default`.
function text(module: unknown): string {
  return (module as { default: string }).default;
}

/** A static asset served under `/assets/`. */
export interface Asset {
  body: string;
  contentType: string;
}

/**
 * Builds the dashboard's assets once: the page scripts bundled from `web/` at build time (a Bun
 * macro, see `bundle.ts`: entries, shared chunks and the lazily loaded Markdown chunk) and the
 * stylesheet. No CDN, nothing fetched or compiled at run time.
 */
export function buildAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const file of bundleWeb()) {
    assets.set(file.name, { body: file.text, contentType: "text/javascript; charset=utf-8" });
  }
  assets.set("style.css", { body: text(styleCss), contentType: "text/css; charset=utf-8" });
  return assets;
}

/** The HTML templates of the two pages. */
export const PAGES = {
  login: text(loginHtml),
  dashboard: text(dashboardHtml),
};
