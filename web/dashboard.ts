/** The dashboard: tabs, live status, first-run setup and logout; chat, tokens, agent, settings, logs and security have their own modules. */

import { loadAgent, setupAgent } from "./agent.ts";
import { loadChannels, setupChannels } from "./channels.ts";
import { startChat } from "./chat.ts";
import { api, byId, show } from "./common.ts";
import { notify, reportError } from "./feedback.ts";
import { loadLogs, setupLogs } from "./logs.ts";
import { loadSecurity, setupSecurity } from "./security.ts";
import { loadSettings, setupSettings } from "./settings.ts";
import { loadTokens, setupTokens } from "./tokens.ts";

const TABS = ["status", "chat", "tokens", "agent", "settings", "channels", "logs", "security"];

function openTab(): void {
  const name = TABS.includes(location.hash.slice(1)) ? location.hash.slice(1) : "status";
  for (const tab of TABS) byId(`tab-${tab}`).hidden = tab !== name;
  for (const link of document.querySelectorAll<HTMLAnchorElement>("nav a")) {
    link.classList.toggle("active", link.dataset.tab === name);
  }
  show(byId("notice"), "");
  if (name === "tokens") loadTokens().catch(reportError);
  if (name === "agent") loadAgent().catch(reportError);
  if (name === "settings") loadSettings().catch(reportError);
  if (name === "logs") loadLogs().catch(reportError);
  if (name === "security") loadSecurity().catch(reportError);
  if (name === "channels") loadChannels().catch(reportError);
}

function formatUptime(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${seconds % 60} s` : `${seconds} s`;
}

interface Status {
  version: string;
  uptime_s: number;
  pico: { enabled: boolean; connections: number; sessions: number; dashboard_connections?: number };
  pico_client: {
    enabled: boolean;
    state: string;
    last_error?: string | null;
    reconnects?: number;
    connected_since?: string | null;
    next_retry_in_s?: number | null;
  };
  agent: { provider: string; model: string };
}

async function refreshStatus(): Promise<void> {
  const status = await api<Status>("/api/status");
  byId("st-version").textContent = status.version;
  byId("st-uptime").textContent = formatUptime(status.uptime_s);
  byId("st-agent").textContent = status.agent.model
    ? `${status.agent.provider} (${status.agent.model})`
    : status.agent.provider;
  byId("st-pico").textContent = status.pico.enabled ? "enabled" : "disabled";
  // `connections` counts every socket; the dashboard's own tabs are shown apart from external Pico clients.
  const tabs = status.pico.dashboard_connections ?? 0;
  byId("st-connections").textContent = String(status.pico.connections - tabs);
  byId("st-dashboard-connections").textContent = String(tabs);
  byId("st-sessions").textContent = String(status.pico.sessions);
  byId("st-client").textContent = status.pico_client.enabled ? status.pico_client.state : "disabled";
  byId("st-client-error").textContent = status.pico_client.last_error ?? "–";
  byId("st-client-reconnects").textContent = String(status.pico_client.reconnects ?? "–");
  const since = status.pico_client.connected_since;
  byId("st-client-since").textContent = since ? new Date(since).toLocaleString() : "–";
  const retry = status.pico_client.next_retry_in_s;
  byId("st-client-retry").textContent = retry === null || retry === undefined ? "–" : `in ${retry} s`;
}

async function pollStatus(): Promise<void> {
  if (!byId("tab-status").hidden && document.visibilityState === "visible") {
    await refreshStatus().catch(reportError);
  }
  setTimeout(pollStatus, 2000);
}

byId("logout").addEventListener("click", async () => {
  await api("/logout", {}).catch(() => {});
  location.replace("/");
});

byId("setup-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await api("/setup", {
      token: byId<HTMLInputElement>("setup-token").value,
      confirm: byId<HTMLInputElement>("setup-confirm").value,
    });
    byId("setup").hidden = true;
    notify("Launcher token saved. Other sessions were signed out.");
  } catch (err) {
    reportError(err);
  }
});

globalThis.addEventListener("hashchange", openTab);
openTab();
setupTokens();
setupSettings();
setupAgent();
setupLogs();
setupSecurity();
setupChannels();
startChat();
void refreshStatus().catch(reportError).then(pollStatus);
// "Not now" is remembered by this browser (localStorage), so the first-run card stops asking here.
const SETUP_LATER = "picoclaw-setup-later";
function setupPostponed(): boolean {
  try {
    return localStorage.getItem(SETUP_LATER) === "yes";
  } catch {
    return false;
  }
}
byId("setup-later").addEventListener("click", () => {
  try {
    localStorage.setItem(SETUP_LATER, "yes");
  } catch {
    // Storage blocked: hidden for this page only.
  }
  byId("setup").hidden = true;
});
const auth = await api<{ initialized: boolean }>("/api/auth/status").catch(() => undefined);
if (auth && !auth.initialized && !setupPostponed()) byId("setup").hidden = false;
byId("setup").dataset.checked = "true"; // decided: shown or not (the browser tests wait for this)
