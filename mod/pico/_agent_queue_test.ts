import { describe, expect, test } from "bun:test";
import { createLogger } from "../log/mod.ts";
import { type AgentJob, AgentQueue } from "./_agent_queue.ts";

function job(n: number): AgentJob {
  return { sessionId: "s", content: `m${n}`, media: [] };
}

/** A queue whose runner blocks until released, recording what ran and the signals it got. */
function blockedQueue() {
  const ran: string[] = [];
  const signals: AbortSignal[] = [];
  let release = () => {};
  const logs: string[] = [];
  const queue = new AgentQueue({
    max: 64,
    log: createLogger({ stderr: (line) => logs.push(line), level: "debug" }),
    run: (j, signal) => {
      ran.push(j.content);
      signals.push(signal);
      return new Promise<void>((resolve) => (release = resolve));
    },
  });
  return { queue, ran, signals, logs, release: () => release() };
}

describe("AgentQueue", () => {
  test("AgentQueue keeps at most 64 waiting, drops the oldest, and warns once per burst", async () => {
    const { queue, ran, logs, release } = blockedQueue();
    for (let n = 0; n < 1000; n++) queue.push(job(n));
    expect(ran).toEqual(["m0"]);
    expect(queue.waiting).toBe(64);
    expect(logs.filter((l) => l.includes("dropping the oldest")).length).toBe(1);
    for (let i = 0; i < 65 && queue.waiting + ran.length > 0; i++) {
      release();
      await Bun.sleep(0);
    }
    // The newest 64 ran after the first one; m1..m935 were dropped.
    expect(ran.slice(1)).toEqual(Array.from({ length: 64 }, (_, i) => `m${936 + i}`));
  });

  test("AgentQueue.close() aborts the running job and forgets the waiting ones", async () => {
    const { queue, ran, signals, release } = blockedQueue();
    for (let n = 0; n < 5; n++) queue.push(job(n));
    queue.close();
    expect(signals[0].aborted).toBe(true);
    release();
    queue.push(job(99));
    await Bun.sleep(0);
    expect(ran).toEqual(["m0"]);
    expect(queue.waiting).toBe(0);
  });
});
