/** Messages in the page (never `alert()`): errors, confirmations, and a lost session back to sign-in. */

import { ApiError, byId, show } from "./common.ts";

/** Shows an error in the page; a lost session (401) goes back to sign-in. */
export function reportError(err: unknown): void {
  if (err instanceof ApiError && err.status === 401) {
    location.replace("/");
    return;
  }
  show(byId("notice"), "");
  show(byId("error"), err instanceof Error ? err.message : String(err));
}

/** Shows a short confirmation in the page. */
export function notify(text: string): void {
  show(byId("error"), "");
  show(byId("notice"), text);
}
