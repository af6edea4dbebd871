/** The tokens tab: reveal, copy, generate or set the Pico token; copy the launcher token. */

import { api, byId, copyText } from "./common.ts";
import { notify, reportError } from "./feedback.ts";

interface Tokens {
  pico: { set: boolean; masked: string; source: string };
  launcher: { masked: string; source: string };
}

/** Shows the tokens' state (masked: the values come only on reveal or copy). */
export async function loadTokens(): Promise<void> {
  const tokens = await api<Tokens>("/api/tokens");
  byId("pico-token-state").textContent = tokens.pico.set
    ? `Current: ${tokens.pico.masked} (from ${tokens.pico.source}).`
    : "No Pico token is set yet.";
  byId("launcher-token-state").textContent = tokens.launcher.source === "env"
    ? "The launcher token comes from PICOCLAW_LAUNCHER_TOKEN; it is not shown here."
    : `Current: ${tokens.launcher.masked} (${tokens.launcher.source}).`;
  byId<HTMLButtonElement>("launcher-copy").disabled = tokens.launcher.source === "env";
  byId<HTMLInputElement>("pico-token-value").hidden = true;
}

async function revealPico(): Promise<string> {
  return (await api<{ token: string }>("/api/pico/token/reveal", {})).token;
}

async function rotate(token?: string): Promise<void> {
  const result = await api<{ masked: string; warnings: string[] }>("/api/pico/token", token ? { token } : {});
  await loadTokens();
  notify([`Pico token changed to ${result.masked}.`, ...result.warnings].join(" "));
}

/** Wires the tokens tab's buttons. */
export function setupTokens(): void {
  const picoValue = byId<HTMLInputElement>("pico-token-value");
  byId("pico-reveal").addEventListener("click", async () => {
    try {
      picoValue.value = await revealPico();
      picoValue.hidden = false;
    } catch (err) {
      reportError(err);
    }
  });
  byId("pico-copy").addEventListener("click", async () => {
    try {
      if (await copyText(await revealPico(), picoValue)) notify("Pico token copied.");
    } catch (err) {
      reportError(err);
    }
  });
  const rotateButton = byId<HTMLButtonElement>("pico-rotate");
  rotateButton.addEventListener("click", async () => {
    // Two clicks, not confirm(): the page never opens a modal dialog.
    if (rotateButton.dataset.armed !== "yes") {
      rotateButton.dataset.armed = "yes";
      rotateButton.textContent = "Click again to replace the token";
      return;
    }
    rotateButton.dataset.armed = "";
    rotateButton.textContent = "Generate new token";
    await rotate().catch(reportError);
  });
  byId("pico-set-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = byId<HTMLInputElement>("pico-set-value");
    await rotate(input.value.trim()).then(() => (input.value = "")).catch(reportError);
  });
  byId("launcher-copy").addEventListener("click", async () => {
    try {
      const { token } = await api<{ token?: string }>("/api/launcher/token/reveal", {});
      if (token && await copyText(token, byId<HTMLInputElement>("launcher-token-value"))) {
        notify("Launcher token copied.");
      }
    } catch (err) {
      reportError(err);
    }
  });
}
