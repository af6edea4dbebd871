/** The sign-in page: token form, paste, `#token=` auto-login, first-run setup on this machine. */

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

const status = await api<{ authenticated: boolean; initialized: boolean }>("/api/auth/status").catch(() => undefined);
if (status && !status.initialized) byId("setup").hidden = false;

byId("setup-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const token = byId<HTMLInputElement>("setup-token").value;
  const confirm = byId<HTMLInputElement>("setup-confirm").value;
  try {
    await api("/setup", { token, confirm });
    location.replace("/");
  } catch (err) {
    const message = err instanceof ApiError && err.status === 401
      ? "Sign in first, or open this page on the machine PicoClaw runs on (localhost)."
      : err instanceof Error
      ? err.message
      : String(err);
    show(errorBox, message);
  }
});
