/** How a chat-app channel treats a sender (SPEC §8). */
export type SenderVerdict =
  /** Listed in `allow_from`: the message goes to the agent. */
  | "allowed"
  /** `allow_from` is empty: nobody is let in; the sender gets one answer saying their id and the key. */
  | "nobody_allowed"
  /** Not in a non-empty list: ignored (logged at debug). */
  | "not_listed";

/**
 * Checks a sender against `allow_from`. An entry matches any of the sender's identities
 * (Telegram: the numeric user id and `@username`; Discord: the user id). Usernames compare
 * without case and with or without the leading `@`.
 *
 * @param allowFrom The configured list.
 * @param identities The sender's ids and names.
 * @returns What to do with the message.
 * @example
 * ```ts
 * senderVerdict(["@alice", "42"], ["7", "@Alice"]); // "allowed"
 * senderVerdict([], ["7"]); // "nobody_allowed"
 * ```
 */
export function senderVerdict(allowFrom: readonly string[], identities: readonly string[]): SenderVerdict {
  if (allowFrom.length === 0) return "nobody_allowed";
  const wanted = new Set(allowFrom.map(normalise));
  return identities.some((id) => id !== "" && wanted.has(normalise(id))) ? "allowed" : "not_listed";
}

function normalise(id: string): string {
  const trimmed = id.trim();
  return trimmed.startsWith("@") ? trimmed.slice(1).toLowerCase() : trimmed.toLowerCase();
}

/**
 * The one answer a sender gets while `allow_from` is empty: their id and the key to add it to.
 *
 * @param senderId The id to add (Telegram or Discord user id).
 * @param key The config key, e.g. `channels.telegram.allow_from`.
 */
export function notAllowedAnswer(senderId: string, key: string): string {
  return `This assistant does not answer anyone yet. Your user id is ${senderId}: ` +
    `add it to ${key} in the PicoClaw config (or on the dashboard's Channels page) to be let in.`;
}
