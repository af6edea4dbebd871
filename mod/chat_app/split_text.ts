/**
 * Splits text into pieces of at most `max` characters (UTF-16 code units, as the platforms
 * count), preferring a break at a newline, then at a space, never inside a surrogate pair.
 * Empty text gives one empty piece.
 *
 * @param text The whole reply.
 * @param max Telegram 4096, Discord 2000.
 * @returns The pieces, in order; joined they give `text` back except for the whitespace a break consumed.
 */
export function splitText(text: string, max: number): string[] {
  if (max < 2) throw new RangeError("Cannot split text: max must be at least 2");
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = rest.lastIndexOf("\n", max);
    if (cut < max / 2) cut = rest.lastIndexOf(" ", max);
    if (cut < max / 2) cut = max;
    // Never split a surrogate pair.
    const code = rest.charCodeAt(cut - 1);
    if (code >= 0xd800 && code <= 0xdbff) cut--;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^[\n ]/, "");
  }
  pieces.push(rest);
  return pieces;
}
