/**
 * Light or dark theme (SPEC §7.5). It follows `prefers-color-scheme` until the user presses a
 * `[data-theme-toggle]` button; that choice is kept in localStorage (`picoclaw-theme`) and set as
 * `<html data-theme>`. Both pages load this as a classic script in `<head>`, which runs before
 * the first paint, so a remembered dark theme never flashes light, and there is no inline
 * script (the CSP forbids them). As a classic script it must not import or export at run time:
 * its one `export type {}` only makes TypeScript treat it as a module, and the transpiler drops it.
 */
export type {};

{
  const KEY = "picoclaw-theme";
  /** The browser-bar colour of each theme: the top bar's background (`--card` in style.css). */
  const BAR = { light: "#ffffff", dark: "#1b2029" };
  const root = document.documentElement;
  const systemDark = matchMedia("(prefers-color-scheme: dark)");

  const stored = (): "light" | "dark" | null => {
    try {
      const value = localStorage.getItem(KEY);
      return value === "light" || value === "dark" ? value : null;
    } catch {
      return null; // storage blocked: follow the system
    }
  };
  const effective = (): "light" | "dark" => stored() ?? (systemDark.matches ? "dark" : "light");

  const apply = (): void => {
    const chosen = stored();
    if (chosen) root.dataset.theme = chosen;
    else delete root.dataset.theme;
    const theme = effective();
    for (const meta of document.querySelectorAll<HTMLMetaElement>('meta[name="theme-color"]')) {
      // Without a choice each meta keeps its media query; with one, both say the chosen colour.
      meta.content = chosen ? BAR[chosen] : (meta.media.includes("dark") ? BAR.dark : BAR.light);
    }
    const other = theme === "dark" ? "light" : "dark";
    for (const button of document.querySelectorAll<HTMLButtonElement>("[data-theme-toggle]")) {
      button.textContent = theme === "dark" ? "☀" : "☾";
      button.title = `Switch to the ${other} theme`;
      button.setAttribute("aria-label", button.title);
    }
  };

  const toggle = (): void => {
    try {
      localStorage.setItem(KEY, effective() === "dark" ? "light" : "dark");
    } catch {
      root.dataset.theme = effective() === "dark" ? "light" : "dark"; // this page only
      return;
    }
    apply();
  };

  apply();
  systemDark.addEventListener("change", apply);
  // Other tabs of the dashboard follow a change made in this one.
  addEventListener("storage", (event: StorageEvent) => {
    if (event.key === KEY) apply();
  });
  document.addEventListener("DOMContentLoaded", () => {
    for (const button of document.querySelectorAll("[data-theme-toggle]")) button.addEventListener("click", toggle);
    apply();
  });
}
