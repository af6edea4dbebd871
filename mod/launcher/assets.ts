import * as channelsTs from "../../web/channels.ts" with { type: "text" };
import * as chatTs from "../../web/chat.ts" with { type: "text" };
import * as commonTs from "../../web/common.ts" with { type: "text" };
import * as dashboardHtml from "../../web/dashboard.html" with { type: "text" };
import * as dashboardTs from "../../web/dashboard.ts" with { type: "text" };
import * as feedbackTs from "../../web/feedback.ts" with { type: "text" };
import * as loginHtml from "../../web/login.html" with { type: "text" };
import * as loginTs from "../../web/login.ts" with { type: "text" };
import * as settingsTs from "../../web/settings.ts" with { type: "text" };
import * as styleCss from "../../web/style.css" with { type: "text" };
import * as tokensTs from "../../web/tokens.ts" with { type: "text" };

// The web/ files are imported as text, so they are embedded in the binary and also work from
// source. TypeScript types such imports as modules, hence the reads through `default`.
function text(module: unknown): string {
  return (module as { default: string }).default;
}

/** A static asset served under `/assets/`. */
export interface Asset {
  body: string;
  contentType: string;
}

const SCRIPTS: Record<string, unknown> = {
  channels: channelsTs,
  chat: chatTs,
  common: commonTs,
  dashboard: dashboardTs,
  feedback: feedbackTs,
  login: loginTs,
  settings: settingsTs,
  tokens: tokensTs,
};

/**
 * Builds the dashboard's assets once: each `web/*.ts` transpiled to a browser ES module (its
 * `./x.ts` imports renamed to `./x.js`), and the stylesheet. No CDN, nothing fetched at run time.
 */
export function buildAssets(): Map<string, Asset> {
  const transpiler = new Bun.Transpiler({ loader: "ts", target: "browser" });
  const assets = new Map<string, Asset>();
  for (const [name, module] of Object.entries(SCRIPTS)) {
    const js = transpiler.transformSync(text(module)).replace(/(from\s+["']\.\/[\w-]+)\.ts(["'])/g, "$1.js$2");
    assets.set(`${name}.js`, { body: js, contentType: "text/javascript; charset=utf-8" });
  }
  assets.set("style.css", { body: text(styleCss), contentType: "text/css; charset=utf-8" });
  return assets;
}

/** The HTML templates of the two pages. */
export const PAGES = {
  login: text(loginHtml),
  dashboard: text(dashboardHtml),
};
