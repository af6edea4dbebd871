/** The sign-in page: token form, paste, `#token=` auto-login. First-run setup lives in the dashboard. */

import { api, ApiError, byId, show } from "./common.ts";
import { countDown } from "./retry_countdown.ts";

const errorBox = byId("error");
const submit = byId<HTMLButtonElement>("login");
let stopCountdown = () => {};

/** After a 429: says how many seconds are left, second by second, and holds the button until then. */
function waitForRetry(seconds: number): void {
  stopCountdown();
  submit.disabled = true;
  stopCountdown = countDown(
    seconds,
    (left) => show(errorBox, `Too many failed attempts. Try again in ${left} s.`),
    () => {
      submit.disabled = false;
      show(errorBox, "You can try again now.");
    },
  );
}

async function signIn(token: string): Promise<void> {
  try {
    await api("/login", { token });
    location.replace("/");
  } catch (err) {
    if (err instanceof ApiError && err.status === 429 && err.retryAfter > 0) waitForRetry(err.retryAfter);
    else show(errorBox, err instanceof ApiError ? err.message : String(err));
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
