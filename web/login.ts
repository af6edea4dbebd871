/** The sign-in page: token form, paste, `#token=` auto-login. First-run setup lives in the dashboard. */

import { api, ApiError, byId, show } from "./common.ts";

const errorBox = byId("error");

async function signIn(token: string): Promise<void> {
  try {
    await api("/login", { token });
    location.replace("/");
  } catch (err) {
    show(errorBox, err instanceof ApiError ? err.message : String(err));
  }
}

// "/#token=..." never reaches the server or its logs: post it, then drop it from the address bar.
const fragment = location.hash.match(/^#token=(.+)$/);
if (fragment) {
  history.replaceState(null, "", location.pathname + location.search);
  void signIn(decodeURIComponent(fragment[1]));
}

byId("login-form").addEventListener("submit", (event) => {
  event.preventDefault();
  void signIn(byId<HTMLInputElement>("token").value.trim());
});

byId("paste").addEventListener("click", async () => {
  try {
    byId<HTMLInputElement>("token").value = (await navigator.clipboard.readText()).trim();
  } catch {
    show(errorBox, "The browser did not allow reading the clipboard; paste into the field instead.");
  }
});
