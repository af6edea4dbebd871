/** The Channels tab (SPEC §8): state, enable, write-only bot token and allow_from of Telegram and Discord. */

import { api, byId } from "./common.ts";
import { notify, reportError } from "./feedback.ts";

const CHANNELS = ["telegram", "discord"] as const;
type ChannelName = typeof CHANNELS[number];

interface ChannelView {
  enabled: boolean;
  state: string;
  last_error: string | null;
  bot: string | null;
  allow_from: string[];
  token_set: boolean;
}

type ChannelsAnswer = Record<ChannelName, ChannelView>;

/** Shows the live part (state, bot, last error) of each channel. */
function showState(channels: ChannelsAnswer): void {
  for (const name of CHANNELS) {
    const view = channels[name];
    byId(`ch-${name}-state`).textContent = view.state;
    byId(`ch-${name}-bot`).textContent = view.bot ? `@${view.bot}` : "–";
    byId(`ch-${name}-error`).textContent = view.last_error ?? "–";
    byId(`ch-${name}-token-state`).textContent = view.token_set ? "(set)" : "(not set)";
  }
}

/** Fills the Channels forms from the server. */
export async function loadChannels(): Promise<void> {
  const channels = await api<ChannelsAnswer>("/api/channels");
  showState(channels);
  for (const name of CHANNELS) {
    byId<HTMLInputElement>(`ch-${name}-enabled`).checked = channels[name].enabled;
    byId<HTMLInputElement>(`ch-${name}-token`).value = "";
    byId<HTMLTextAreaElement>(`ch-${name}-allow`).value = channels[name].allow_from.join("\n");
  }
}

/** Refreshes the states every 2 s while the tab is open. */
async function pollChannels(): Promise<void> {
  if (!byId("tab-channels").hidden && document.visibilityState === "visible") {
    await api<ChannelsAnswer>("/api/channels").then(showState).catch(reportError);
  }
  setTimeout(pollChannels, 2000);
}

/** Wires the Channels forms. */
export function setupChannels(): void {
  for (const name of CHANNELS) {
    byId(`ch-${name}-form`).addEventListener("submit", async (event) => {
      event.preventDefault();
      const token = byId<HTMLInputElement>(`ch-${name}-token`).value.trim();
      const allowFrom = byId<HTMLTextAreaElement>(`ch-${name}-allow`).value.split(/[\s,]+/).filter((id) => id !== "");
      try {
        const result = await api<ChannelView & { warnings: string[] }>(`/api/channels/${name}`, {
          enabled: byId<HTMLInputElement>(`ch-${name}-enabled`).checked,
          allow_from: allowFrom,
          ...(token ? { token } : {}),
        }, "PUT");
        await loadChannels();
        notify([`${name === "telegram" ? "Telegram" : "Discord"} settings saved.`, ...result.warnings].join(" "));
      } catch (err) {
        reportError(err);
      }
    });
  }
  void pollChannels();
}
