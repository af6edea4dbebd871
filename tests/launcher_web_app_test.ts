import { afterEach, describe, expect, test } from "bun:test";
import { makeTestLauncher, type TestLauncher } from "./helpers/launcher.ts";

let launcher: TestLauncher;
afterEach(async () => await launcher?.stop());

interface ManifestIcon {
  src: string;
  sizes: string;
  type: string;
  purpose?: string;
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Uint8Array): [number, number] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return [view.getUint32(16), view.getUint32(20)];
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

describe("web app manifest and icons (SPEC 7.5)", () => {
  test("GET /manifest.webmanifest answers without a session, as application/manifest+json", async () => {
    launcher = await makeTestLauncher();
    const res = await launcher.request("/manifest.webmanifest");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/manifest+json");
    const manifest = await res.json();
    expect(manifest).toMatchObject({ name: "PicoClaw", start_url: "/", scope: "/", display: "standalone" });
    const sizes = (manifest.icons as ManifestIcon[]).filter((i) => i.type === "image/png").map((i) => i.sizes);
    expect(sizes).toContain("192x192");
    expect(sizes).toContain("512x512");
    expect((manifest.icons as ManifestIcon[]).some((i) => i.purpose === "maskable")).toBe(true);
  });

  test("every icon the manifest lists is served with its type, its size and a cache lifetime", async () => {
    launcher = await makeTestLauncher();
    const manifest = await (await launcher.request("/manifest.webmanifest")).json();
    for (const icon of manifest.icons as ManifestIcon[]) {
      const res = await launcher.request(icon.src);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe(icon.type);
      expect(res.headers.get("cache-control")).toBe("public, max-age=86400");
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (icon.type === "image/png") {
        expect([...bytes.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
        const [w, h] = icon.sizes.split("x").map(Number);
        expect(pngSize(bytes)).toEqual([w, h]);
      } else {
        expect(new TextDecoder().decode(bytes)).toStartWith("<svg");
      }
    }
  });

  test("the login and dashboard pages link the manifest, icons, theme colour and theme script", async () => {
    launcher = await makeTestLauncher();
    const login = await (await launcher.request("/")).text();
    const cookie = await launcher.login();
    const dashboard = await (await launcher.request("/", { headers: { cookie } })).text();
    expect(dashboard).toContain('id="tab-status"');
    for (const page of [login, dashboard]) {
      expect(page).toContain('<link rel="manifest" href="/manifest.webmanifest">');
      expect(page).toContain('<link rel="icon" href="/assets/icon.svg" type="image/svg+xml">');
      expect(page).toContain('<meta name="theme-color"');
      // A classic (blocking) script in <head>, before the body: the theme is set before the first paint.
      const head = page.slice(0, page.indexOf("</head>"));
      expect(head).toContain('<script src="/assets/theme.js"></script>');
      expect(page).toContain("data-theme-toggle");
    }
  });

  test("theme.js is a classic script (no import or export), so it can run before the first paint", async () => {
    launcher = await makeTestLauncher();
    const res = await launcher.request("/assets/theme.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const js = await res.text();
    expect(js).toContain("picoclaw-theme");
    expect(js).not.toMatch(/^\s*(import|export)\b/m);
  });
});
