/** The dashboard: tabs, live status, first-run setup and logout; chat, tokens and settings have their own modules. */

import { loadChannels, setupChannels } from "./channels.ts";
import { startChat } from "./chat.ts";
import { api, byId, show } from "./common.ts";
import { notify, reportError } from "./feedback.ts";
import { loadSettings, setupSettings } from "./settings.ts";
import { loadTokens, setupTokens } from "./tokens.ts";

const TABS = ["status", "chat", "tokens", "settings", "channels"];

function openTab(): void {
  const name = TABS.includes(location.hash.slice(1)) ? location.hash.slice(1) : "status";
  for (const tab of TABS) byId(`tab-${tab}`).hidden = tab !== name;
  for (const link of document.querySelectorAll<HTMLAnchorElement>("nav a")) {
    link.classList.toggle("active", link.dataset.tab === name);
  }
  show(byId("notice"), "");
  if (name === "tokens") loadTokens().catch(reportError);
  if (name === "settings") loadSettings().catch(reportError);
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
  pico: { enabled: boolean; connections: number; sessions: number };
  pico_client: { enabled: boolean; state: string; last_error?: string | null; reconnects?: number };
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
  byId("st-connections").textContent = String(status.pico.connections);
  byId("st-sessions").textContent = String(status.pico.sessions);
  byId("st-client").textContent = status.pico_client.enabled ? status.pico_client.state : "disabled";
  byId("st-client-error").textContent = status.pico_client.last_error ?? "–";
  byId("st-client-reconnects").textContent = String(status.pico_client.reconnects ?? "–");
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
setupChannels();
startChat();
void refreshStatus().catch(reportError).then(pollStatus);
byId("setup-later").addEventListener("click", () => {
  sessionStorage.setItem("picoclaw-setup-later", "yes");
  byId("setup").hidden = true;
});
const auth = await api<{ initialized: boolean }>("/api/auth/status").catch(() => undefined);
if (auth && !auth.initialized && sessionStorage.getItem("picoclaw-setup-later") !== "yes") byId("setup").hidden = false;
