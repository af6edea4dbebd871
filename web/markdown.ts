/**
 * Assistant text as Markdown, safely (SPEC §7.1). Loaded lazily by the chat (its own chunk, with
 * `marked`), so the first page load stays small. Raw HTML in the Markdown is shown as text, links
 * keep only http, https and mailto targets and open in a new tab with `rel="noopener noreferrer"`,
 * images become links (nothing is fetched from elsewhere), and the result passes an element and
 * attribute allowlist before it reaches the page.
 */

import { Marked, type Tokens } from "marked";

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]);
}

/** Whether a link target may become a link: http, https or mailto only. */
export function isSafeHref(href: string): boolean {
  return /^(https?:\/\/|mailto:)/i.test(href.trim());
}

const marked = new Marked({
  gfm: true,
  async: false,
  renderer: {
    html(token: Tokens.HTML | Tokens.Tag): string {
      return "block" in token && token.block ? `<p>${escapeHtml(token.text)}</p>` : escapeHtml(token.text);
    },
    link({ href, title, tokens }: Tokens.Link): string {
      const label = this.parser.parseInline(tokens);
      if (!isSafeHref(href)) return label;
      const titled = title ? ` title="${escapeHtml(title)}"` : "";
      return `<a href="${escapeHtml(href)}"${titled} target="_blank" rel="noopener noreferrer">${label}</a>`;
    },
    image({ href, text }: Tokens.Image): string {
      const label = escapeHtml(text || href);
      if (!isSafeHref(href)) return label;
      return `<a href="${escapeHtml(href)}" target="_blank" rel="noopener noreferrer">${label}</a>`;
    },
  },
});

/**
 * Markdown to an HTML string in which every piece of the input is escaped or rebuilt by our renderer.
 *
 * @param text Assistant text (untrusted: the model may repeat anything).
 * @returns HTML for `renderMarkdown`; trimmed, so a one-line answer is just `<p>…</p>`.
 * @example
 * markdownToHtml("**hi** <b>x</b>"); // "<p><strong>hi</strong> &lt;b&gt;x&lt;/b&gt;</p>"
 */
export function markdownToHtml(text: string): string {
  return (marked.parse(text) as string).trim();
}

/** Elements the renderer makes, each with the attributes it may keep. */
const ALLOWED: Record<string, readonly string[]> = {
  A: ["href", "title", "target", "rel"],
  P: [],
  BR: [],
  HR: [],
  STRONG: [],
  EM: [],
  DEL: [],
  CODE: ["class"],
  PRE: [],
  BLOCKQUOTE: [],
  UL: [],
  OL: ["start"],
  LI: [],
  H1: [],
  H2: [],
  H3: [],
  H4: [],
  H5: [],
  H6: [],
  TABLE: [],
  THEAD: [],
  TBODY: [],
  TR: [],
  TH: ["align"],
  TD: ["align"],
  INPUT: ["type", "checked", "disabled"],
};

/** Drops any element or attribute outside the allowlist (a second line of defence). */
function sanitize(root: Element): void {
  for (const el of [...root.querySelectorAll("*")]) {
    const keep = ALLOWED[el.tagName];
    if (!keep) {
      el.replaceWith(document.createTextNode(el.textContent ?? ""));
      continue;
    }
    for (const attr of [...el.attributes]) {
      if (!keep.includes(attr.name)) el.removeAttribute(attr.name);
    }
    if (el.tagName === "A" && !isSafeHref(el.getAttribute("href") ?? "")) el.removeAttribute("href");
    if (el.tagName === "INPUT") el.setAttribute("disabled", "");
  }
}

/**
 * Renders assistant text as Markdown into an element, replacing what it held. The HTML is parsed
 * in an inert document (no script runs, nothing loads), checked, then moved into the page.
 *
 * @param el The bubble to fill.
 * @param text Assistant text.
 */
export function renderMarkdown(el: HTMLElement, text: string): void {
  const doc = new DOMParser().parseFromString(`<body>${markdownToHtml(text)}</body>`, "text/html");
  sanitize(doc.body);
  el.replaceChildren(...[...doc.body.childNodes].map((node) => document.adoptNode(node)));
}
