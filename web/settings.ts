/** The settings tab: turn the Pico channel on or off; the Pico client's remote, token and session. */

import { api, byId } from "./common.ts";
import { notify, reportError } from "./feedback.ts";

interface ClientSettings {
  enabled: boolean;
  url: string;
  session_id: string;
  token: { set: boolean; masked: string };
}

/** Fills the settings forms from the server. */
export async function loadSettings(): Promise<void> {
  const [pico, client] = await Promise.all([
    api<{ enabled: boolean }>("/api/pico/enabled"),
    api<ClientSettings>("/api/pico_client"),
  ]);
  byId<HTMLInputElement>("pico-enabled").checked = pico.enabled;
  byId<HTMLInputElement>("client-enabled").checked = client.enabled;
  byId<HTMLInputElement>("client-url").value = client.url;
  byId<HTMLInputElement>("client-session").value = client.session_id;
  byId<HTMLInputElement>("client-token").value = "";
  byId("client-token-state").textContent = client.token.set ? `(current: ${client.token.masked})` : "(not set)";
}

/** Wires the settings forms. */
export function setupSettings(): void {
  byId("pico-enabled-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const enabled = byId<HTMLInputElement>("pico-enabled").checked;
      const result = await api<{ warnings: string[] }>("/api/pico/enabled", { enabled });
      notify([`Pico channel ${enabled ? "enabled" : "disabled"}.`, ...result.warnings].join(" "));
    } catch (err) {
      reportError(err);
    }
  });
  byId("client-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const token = byId<HTMLInputElement>("client-token").value.trim();
    try {
      const result = await api<{ warnings: string[] }>("/api/pico_client", {
        enabled: byId<HTMLInputElement>("client-enabled").checked,
        url: byId<HTMLInputElement>("client-url").value.trim(),
        session_id: byId<HTMLInputElement>("client-session").value.trim(),
        ...(token ? { token } : {}),
      });
      await loadSettings();
      notify(["Pico client settings saved.", ...result.warnings].join(" "));
    } catch (err) {
      reportError(err);
    }
  });
}
