/** The security tab: signed-in sessions (revoke one, revoke the others), recent sign-in attempts, launcher token rotation. */

import { api, ApiError, byId } from "./common.ts";
import { notify, reportError } from "./feedback.ts";

interface Session {
  id: string;
  current: boolean;
  created_at: number;
  last_seen_at: number;
  ip: string;
  user_agent: string;
}

interface Attempt {
  ts: number;
  ip: string;
  ok: boolean;
  via: string;
}

function when(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}

/** A table cell with text only (values come from requests: never markup). */
function cell(text: string, className = ""): HTMLTableCellElement {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

/** The browser name from a user agent (its last product token), the whole string on hover. */
function shortAgent(agent: string): string {
  if (agent === "") return "–";
  const products = agent.match(/[A-Za-z]+\/[\d.]+/g) ?? [];
  const named = products.filter((p) => !/^(Mozilla|AppleWebKit|Safari|Gecko|Version)\//.test(p));
  return named.at(-1) ?? agent.slice(0, 40);
}

async function revoke(id: string): Promise<void> {
  const res = await fetch(`/api/auth/sessions/${encodeURIComponent(id)}`, {
    method: "DELETE",
    credentials: "same-origin",
  });
  if (res.status === 401) throw new ApiError(401, "unauthorized", "Signed out", 0);
  if (res.status !== 204) throw new Error(`Cannot revoke the session: the server answered ${res.status}`);
}

function sessionRow(session: Session): HTMLTableRowElement {
  const row = document.createElement("tr");
  const agent = cell(shortAgent(session.user_agent), "ua");
  agent.title = session.user_agent;
  row.append(
    cell(session.current ? `${session.ip || "?"} (this browser)` : session.ip || "?"),
    agent,
    cell(when(session.created_at), "wide-only"),
    cell(when(session.last_seen_at)),
  );
  const action = document.createElement("td");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "secondary";
  button.textContent = session.current ? "Sign out" : "Revoke";
  button.dataset.session = session.id;
  button.addEventListener("click", async () => {
    try {
      await revoke(session.id);
      if (session.current) location.replace("/");
      else {
        notify("Session revoked.");
        await loadSecurity();
      }
    } catch (err) {
      reportError(err);
    }
  });
  action.append(button);
  row.append(action);
  return row;
}

function attemptRow(attempt: Attempt): HTMLTableRowElement {
  const row = document.createElement("tr");
  row.append(
    cell(when(attempt.ts)),
    cell(attempt.ip),
    cell(attempt.via),
    cell(attempt.ok ? "ok" : "failed", attempt.ok ? "ok" : "failed"),
  );
  return row;
}

/** Fills the sessions and attempts tables. */
export async function loadSecurity(): Promise<void> {
  const [{ sessions }, { attempts }] = await Promise.all([
    api<{ sessions: Session[] }>("/api/auth/sessions"),
    api<{ attempts: Attempt[] }>("/api/auth/attempts"),
  ]);
  byId("sessions-body").replaceChildren(...sessions.map(sessionRow));
  byId("attempts-body").replaceChildren(...attempts.map(attemptRow));
  byId("attempts-empty").hidden = attempts.length > 0;
  byId<HTMLButtonElement>("revoke-others").disabled = sessions.length < 2;
}

/** Sends a rotation; on success the page has a new cookie and the other sessions are gone. */
async function rotate(body: Record<string, unknown>): Promise<{ token?: string }> {
  return await api<{ token?: string }>("/api/auth/token", body);
}

/** Wires the revoke-others button and the rotation form. */
export function setupSecurity(): void {
  byId("revoke-others").addEventListener("click", async () => {
    try {
      const { revoked } = await api<{ revoked: number }>("/api/auth/sessions/revoke-others", {});
      notify(revoked === 1 ? "1 other session signed out." : `${revoked} other sessions signed out.`);
      await loadSecurity();
    } catch (err) {
      reportError(err);
    }
  });
  const form = byId<HTMLFormElement>("rotate-form");
  const generate = byId<HTMLInputElement>("rotate-generate");
  const chosen = byId("rotate-chosen");
  generate.addEventListener("change", () => (chosen.hidden = generate.checked));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const current = byId<HTMLInputElement>("rotate-current");
    const token = byId<HTMLInputElement>("rotate-token");
    const confirm = byId<HTMLInputElement>("rotate-confirm");
    const shown = byId<HTMLInputElement>("rotate-new");
    shown.hidden = true;
    shown.value = "";
    try {
      const result = await rotate(
        generate.checked
          ? { current: current.value, generate: true }
          : { current: current.value, token: token.value, confirm: confirm.value },
      );
      form.reset();
      chosen.hidden = generate.checked;
      // The token is now one the owner chose or asked for: the first-run offer is moot.
      byId("setup").hidden = true;
      if (result.token) {
        // Shown once: the server never answers with it again.
        shown.value = result.token;
        shown.hidden = false;
        shown.select();
        notify("New launcher token made: copy it now, it is shown only once. Other sessions were signed out.");
      } else {
        notify("Launcher token changed. Other sessions were signed out.");
      }
      await loadSecurity();
    } catch (err) {
      // A wrong current token must not sign this page out: say it in the page.
      if (err instanceof ApiError && err.code === "invalid_token") {
        reportError(new Error("The current launcher token is not right."));
      } else reportError(err);
    }
  });
}
