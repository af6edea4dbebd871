import { Database } from "bun:sqlite";
import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { type GatewayProcess, startGatewayProcess } from "../helpers/binary.ts";
import { openPico } from "../helpers/gateway.ts";

setDefaultTimeout(60_000);

const TOKEN = "history-kill-token-0123456789abcdef";
/** Sockets chatting at once, each in its own session. */
const SOCKETS = 8;

let gateway: GatewayProcess | undefined;
afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
});

describe("kill -9 of the binary during a burst of chats", () => {
  test("every reply that reached its client >= 1 s before the kill is in picoclaw.db, which opens cleanly", async () => {
    gateway = await startGatewayProcess({
      PICOCLAW_CHANNELS_PICO_ENABLED: "true",
      PICOCLAW_CHANNELS_PICO_TOKEN: TOKEN,
      PICOCLAW_CHANNELS_PICO_MAX_FRAMES_PER_SECOND: "0",
      // The burst writes thousands of rows per session; none may be pruned for this check.
      PICOCLAW_HISTORY_MAX_MESSAGES: "10000000",
    });
    const port = gateway.port;
    /** Replies as they reached this client: message_id, session, time received. */
    const received: { id: string; session: string; content: string; at: number }[] = [];
    let running = true;
    const sockets = await Promise.all(
      Array.from({ length: SOCKETS }, (_, i) =>
        openPico(`ws://127.0.0.1:${port}/pico?session_id=burst-${i}`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        })),
    );
    for (const [i, socket] of sockets.entries()) {
      let n = 0;
      const send = () => socket.send({ type: "message.send", id: `q${i}-${n}`, payload: { content: `m${i}-${n++}` } });
      socket.socket.addEventListener("message", (event) => {
        const frame = JSON.parse(String(event.data));
        if (frame.type !== "message.create") return;
        received.push({
          id: frame.payload.message_id,
          session: `burst-${i}`,
          content: frame.payload.content,
          at: Date.now(),
        });
        if (running) send();
      });
      send();
    }
    // Chat for a while, so some replies are older than a second at the kill.
    const deadline = Date.now() + 10_000;
    while ((received.length === 0 || Date.now() - received[0].at < 2000) && Date.now() < deadline) await Bun.sleep(50);
    const killedAt = Date.now();
    gateway.child.proc.kill("SIGKILL");
    await gateway.child.proc.exited;
    running = false;

    const settled = received.filter((r) => r.at <= killedAt - 1000);
    expect(settled.length).toBeGreaterThan(SOCKETS);
    const db = new Database(join(gateway.home.path, "picoclaw.db"), { strict: true });
    try {
      expect(db.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
      const rows = db.query(
        "SELECT message_id, id AS session_id, content FROM messages JOIN sessions ON key = session_key WHERE role = 'assistant'",
      ).all() as {
        message_id: string;
        session_id: string;
        content: string;
      }[];
      const stored = new Map(rows.map((row) => [row.message_id, row]));
      const missing = settled.filter((r) => {
        const row = stored.get(r.id);
        return !row || row.session_id !== r.session || row.content !== r.content;
      });
      expect(missing).toEqual([]);
    } finally {
      db.close();
    }
    for (const socket of sockets) socket.close();
  });
});
