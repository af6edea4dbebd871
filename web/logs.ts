/** The logs tab: the process's recent log entries, filtered by level, following new ones, and a download. */

import { api, byId } from "./common.ts";
import { reportError } from "./feedback.ts";

interface LogEntry {
  seq: number;
  ts: number;
  level: string;
  msg: string;
  fields: Record<string, string>;
}

/** Lines kept in the page; the server keeps 1000, so this bounds the DOM the same way. */
const MAX_LINES = 1000;
/** While the tab is visible, new entries are fetched this often. */
const POLL_MS = 2000;

let after = 0;
let timer: ReturnType<typeof setTimeout> | undefined;

function level(): string {
  return byId<HTMLSelectElement>("logs-level").value;
}

function formatEntry(entry: LogEntry): HTMLElement {
  const line = document.createElement("div");
  line.className = `log-line log-${entry.level}`;
  const time = new Date(entry.ts).toLocaleTimeString();
  const fields = Object.entries(entry.fields).map(([k, v]) => ` ${k}=${/\s/.test(v) ? JSON.stringify(v) : v}`).join("");
  // textContent only: a logged value can never become markup.
  line.textContent = `${time} ${entry.level.toUpperCase().padEnd(5)} ${entry.msg}${fields}`;
  return line;
}

async function fetchEntries(): Promise<void> {
  const list = byId("logs-list");
  const page = await api<{ entries: LogEntry[]; next: number }>(
    `/api/logs?level=${encodeURIComponent(level())}&after=${after}`,
  );
  // A restarted process numbers from 1 again: its entries replace the old ones.
  if (page.next < after) list.replaceChildren();
  after = page.next;
  if (page.entries.length === 0) {
    byId("logs-empty").hidden = list.childElementCount > 0;
    return;
  }
  const follow = list.scrollTop + list.clientHeight >= list.scrollHeight - 8;
  list.append(...page.entries.map(formatEntry));
  while (list.childElementCount > MAX_LINES) list.firstElementChild?.remove();
  byId("logs-empty").hidden = true;
  if (follow) list.scrollTop = list.scrollHeight;
}

async function poll(): Promise<void> {
  timer = undefined;
  if (byId("tab-logs").hidden) return;
  if (document.visibilityState === "visible") await fetchEntries().catch(reportError);
  timer ??= setTimeout(poll, POLL_MS);
}

/** Shows the entries from the start (at the chosen level) and follows new ones while the tab is open. */
export async function loadLogs(): Promise<void> {
  after = 0;
  byId("logs-list").replaceChildren();
  await fetchEntries();
  if (timer === undefined) timer = setTimeout(poll, POLL_MS);
}

/** Wires the level filter. */
export function setupLogs(): void {
  byId("logs-level").addEventListener("change", () => void loadLogs().catch(reportError));
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && !byId("tab-logs").hidden && timer === undefined) void poll();
  });
}
