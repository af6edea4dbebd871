import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "../config/mod.ts";

/** What is kept between runs: the last update handed on, per bot. */
interface OffsetRecord {
  bot_id: number;
  update_id: number;
}

/**
 * Reads the last handled `update_id` of `botId` from `path`; undefined when the file is
 * missing, unreadable, malformed or belongs to another bot (a new token).
 *
 * @param path The offset file (`$PICOCLAW_HOME/telegram-offset.json`).
 * @param botId The bot's id (from `getMe`).
 * @returns The last update id handled, or undefined.
 */
export async function readOffset(path: string, botId: number): Promise<number | undefined> {
  try {
    const record = JSON.parse(await readFile(path, "utf8")) as Partial<OffsetRecord>;
    if (record.bot_id !== botId || !Number.isSafeInteger(record.update_id)) return undefined;
    return record.update_id;
  } catch {
    return undefined;
  }
}

/**
 * Stores the last handled `update_id` of `botId` atomically (temp file, fsync, rename; mode 0600).
 *
 * @param path The offset file.
 * @param botId The bot's id.
 * @param updateId The last update handed to the conversation.
 */
export async function writeOffset(path: string, botId: number, updateId: number): Promise<void> {
  const record: OffsetRecord = { bot_id: botId, update_id: updateId };
  await writeFileAtomic(path, JSON.stringify(record) + "\n");
}
