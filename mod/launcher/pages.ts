import { PAGES } from "./assets.ts";

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]);
}

/** The sign-in page, with an error message shown when given (escaped; no script involved). */
export function loginPage(error = ""): string {
  return PAGES.login
    .replace("{{error_hidden}}", error ? "" : "hidden")
    .replace("{{error}}", escapeHtml(error));
}

/** The dashboard page (its data comes from the logged-in API). */
export function dashboardPage(): string {
  return PAGES.dashboard;
}
