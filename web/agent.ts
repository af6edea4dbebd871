/** The Agent tab: provider, server, key (write-only), model (with a picker filled by Test), prompt, stream, timeout. */

import { api, byId, show } from "./common.ts";
import { notify, reportError } from "./feedback.ts";

interface AgentSettings {
  provider: string;
  base_url: string;
  model: string;
  system_prompt: string;
  stream: boolean;
  timeout: number;
  api_key_set: boolean;
}

type TestResult =
  | { ok: true; latency_ms: number; models?: string[]; reply?: string }
  | { ok: false; error: string };

/** Each failure `POST /api/agent/test` names, as a sentence for the page. */
const TEST_ERRORS: Record<string, string> = {
  unreachable: "Cannot reach the server: check the base URL and that the server is running.",
  unauthorized: "The server refused the API key (401/403): check the key.",
  model_not_found: "The server does not know this model: pick one from the list, or check its name.",
  timeout: "The server did not answer in time (the test waits at most 10 s, or the timeout if shorter).",
  bad_response: "The server's answer is not an OpenAI-compatible one: check the base URL (it often ends in /v1).",
};

/** True when Save should clear the key (the Clear button was pressed and nothing typed since). */
let clearKey = false;
let keySet = false;

function input(id: string): HTMLInputElement {
  return byId<HTMLInputElement>(id);
}

function showKeyState(): void {
  byId("agent-key-state").textContent = clearKey ? "(will be cleared on Save)" : keySet ? "(set)" : "(not set)";
}

function showProviderFields(): void {
  byId("agent-openai-fields").hidden = byId<HTMLSelectElement>("agent-provider").value !== "openai";
}

/** The form as a request body; the key only when typed (or "" to clear), never read back from the server. */
function formBody(): Record<string, unknown> {
  const timeout = input("agent-timeout").value.trim();
  const body: Record<string, unknown> = {
    provider: byId<HTMLSelectElement>("agent-provider").value,
    base_url: input("agent-base-url").value.trim(),
    model: input("agent-model").value.trim(),
    system_prompt: byId<HTMLTextAreaElement>("agent-prompt").value,
    stream: input("agent-stream").checked,
    // A number when it is one; otherwise as typed, so the server names the problem.
    timeout: /^\d+$/.test(timeout) ? Number(timeout) : timeout,
  };
  const key = input("agent-key").value.trim();
  if (key !== "") body.api_key = key;
  else if (clearKey) body.api_key = "";
  return body;
}

function fill(settings: AgentSettings): void {
  byId<HTMLSelectElement>("agent-provider").value = settings.provider;
  input("agent-base-url").value = settings.base_url;
  input("agent-model").value = settings.model;
  byId<HTMLTextAreaElement>("agent-prompt").value = settings.system_prompt;
  input("agent-stream").checked = settings.stream;
  input("agent-timeout").value = String(settings.timeout);
  input("agent-key").value = "";
  keySet = settings.api_key_set;
  clearKey = false;
  showKeyState();
  showProviderFields();
}

/** Fills the model picker with the ids the server listed (the current model selected when listed). */
function fillPicker(models: string[]): void {
  const picker = byId<HTMLSelectElement>("agent-model-picker");
  picker.replaceChildren(new Option(`${models.length} models: pick one`, ""));
  const current = input("agent-model").value.trim();
  for (const id of models) picker.add(new Option(id, id, false, id === current));
  picker.hidden = models.length === 0;
}

function describeResult(result: TestResult): string {
  if (!result.ok) return TEST_ERRORS[result.error] ?? `The test failed (${result.error}).`;
  const parts = [`It works: answered in ${result.latency_ms} ms.`];
  if (result.models) parts.push(`${result.models.length} models listed.`);
  if (result.reply !== undefined) parts.push(`Reply: “${result.reply}”`);
  else if (byId<HTMLSelectElement>("agent-provider").value === "openai") parts.push("Pick a model, then test again.");
  return parts.join(" ");
}

/** Loads the saved agent settings into the form. */
export async function loadAgent(): Promise<void> {
  fill(await api<AgentSettings>("/api/agent"));
  show(byId("agent-test-result"), "");
}

/** Wires the Agent tab's form. */
export function setupAgent(): void {
  byId("agent-provider").addEventListener("change", showProviderFields);
  byId("agent-key-clear").addEventListener("click", () => {
    input("agent-key").value = "";
    clearKey = true;
    showKeyState();
  });
  input("agent-key").addEventListener("input", () => {
    clearKey = false;
    showKeyState();
  });
  byId("agent-model-picker").addEventListener("change", () => {
    const picked = byId<HTMLSelectElement>("agent-model-picker").value;
    if (picked !== "") input("agent-model").value = picked;
  });
  byId("agent-test").addEventListener("click", async () => {
    const button = byId<HTMLButtonElement>("agent-test");
    const out = byId("agent-test-result");
    button.disabled = true;
    show(out, "Testing…");
    try {
      const result = await api<TestResult>("/api/agent/test", formBody());
      if (result.ok && result.models) fillPicker(result.models);
      out.className = result.ok ? "notice" : "error";
      show(out, describeResult(result));
    } catch (err) {
      show(out, "");
      reportError(err);
    } finally {
      button.disabled = false;
    }
  });
  byId("agent-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      fill(await api<AgentSettings>("/api/agent", formBody(), "PUT"));
      notify("Agent settings saved. The next message uses them.");
    } catch (err) {
      reportError(err);
    }
  });
}
