/** The chat's list of past sessions (GET /api/sessions): switch, new chat, delete, the current one highlighted. */

import { api } from "./common.ts";

/** One row of `GET /api/sessions` (SPEC §6). */
export interface SessionSummary {
  id: string;
  title: string;
  channel: string;
  messages: number;
  updated_at: number;
}

/** What a click in the list asks the chat to do. */
export interface SessionListActions {
  select(id: string): void;
  remove(id: string): Promise<void>;
}

/** At most this many sessions are listed (the server keeps at most `history.max_sessions`). */
const MAX_LISTED = 200;

/** "14:05" for today, else a short date and time, in the browser's locale. */
function when(ms: number): string {
  if (!ms) return "";
  const date = new Date(ms);
  const today = new Date().toDateString() === date.toDateString();
  return today
    ? date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
    : date.toLocaleString([], { dateStyle: "short", timeStyle: "short" });
}

/** The list in the page: rendered from the server's answer, with an entry for a new chat not yet stored. */
export class SessionList {
  readonly #el: HTMLElement;
  readonly #actions: SessionListActions;

  constructor(el: HTMLElement, actions: SessionListActions) {
    this.#el = el;
    this.#actions = actions;
  }

  /**
   * Fetches the sessions and shows them, newest first, with `currentId` highlighted (listed as
   * "New chat" while the server has no message of it).
   *
   * @returns The sessions the server listed.
   */
  async refresh(currentId: string): Promise<SessionSummary[]> {
    const { sessions } = await api<{ sessions: SessionSummary[] }>("/api/sessions");
    const shown = sessions.slice(0, MAX_LISTED);
    if (!shown.some((s) => s.id === currentId)) {
      shown.unshift({ id: currentId, title: "", channel: "dashboard", messages: 0, updated_at: 0 });
    }
    this.#el.replaceChildren(...shown.map((s) => this.#item(s, s.id === currentId)));
    return sessions;
  }

  #item(session: SessionSummary, current: boolean): HTMLElement {
    const li = document.createElement("li");
    li.className = current ? "session current" : "session";
    li.dataset.id = session.id;
    const open = document.createElement("button");
    open.type = "button";
    open.className = "session-open";
    if (current) open.setAttribute("aria-current", "true");
    const title = document.createElement("span");
    title.className = "session-title";
    title.textContent = session.title || (session.messages ? session.id : "New chat");
    const time = document.createElement("small");
    time.className = "muted";
    time.textContent = [when(session.updated_at), session.channel === "dashboard" ? "" : session.channel]
      .filter(Boolean).join(" · ");
    open.append(title, time);
    open.addEventListener("click", () => this.#actions.select(session.id));
    li.append(open);
    if (session.messages > 0) li.append(this.#deleteButton(session.id));
    return li;
  }

  /** Two clicks, not confirm(): the page never opens a modal dialog (as on the tokens page). */
  #deleteButton(id: string): HTMLButtonElement {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary session-delete";
    button.textContent = "Delete";
    button.setAttribute("aria-label", "Delete this chat");
    button.addEventListener("click", async () => {
      if (button.dataset.armed !== "yes") {
        button.dataset.armed = "yes";
        button.textContent = "Delete?";
        return;
      }
      button.disabled = true;
      await this.#actions.remove(id);
    });
    return button;
  }
}
