import { afterEach, describe, expect, test } from "bun:test";
import { Conversation } from "../conversation/mod.ts";
import type { Server } from "bun";
import { makeStore } from "../../tests/helpers/store.ts";
import { createEchoAgent } from "../agent/mod.ts";
import { createLogger } from "../log/mod.ts";
import { createMetrics } from "../metrics/mod.ts";
import { MemoryHistoryStore } from "../history/mod.ts";
import { PicoChannel } from "./channel.ts";
import type { ConnectionState } from "./connection.ts";

/** Polls `check` every 10 ms until it holds; fails after `timeoutMs`. */
async function until(what: string, check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(10);
  }
}

/** A channel at max_connections 1 on a fake clock that counts its reads (one per sweep when idle). */
function channelWithClock() {
  const clock = { now: 1_000_000, reads: 0 };
  const channel = new PicoChannel({
    store: makeStore({ channels: { pico: { enabled: true, token: "t".repeat(32), max_connections: 1 } } }),
    conversation: new Conversation({
      agent: createEchoAgent(),
      history: new MemoryHistoryStore(),
      log: createLogger({ stderr: false }),
    }),
    log: createLogger({ stderr: false }),
    metrics: createMetrics(),
    now: () => {
      clock.reads++;
      return clock.now;
    },
  });
  return { channel, clock };
}

/** A Bun server stand-in whose `upgrade()` answers `accepts` and never opens a socket. */
function fakeServer(accepts: boolean): Server<ConnectionState> {
  return { upgrade: () => accepts } as unknown as Server<ConnectionState>;
}

const INIT = { kind: "pico" as const, sessionId: "s1", remote: "127.0.0.1", protocol: "" };

let channel: PicoChannel | undefined;
afterEach(async () => {
  await channel?.close();
  channel = undefined;
});

describe("PicoChannel.upgrade()", () => {
  test("PicoChannel releases a reserved slot whose socket never opens 10 s after reserving it", async () => {
    const made = channelWithClock();
    channel = made.channel;
    const { clock } = made;
    expect(channel.hasCapacity()).toBe(true);
    expect(channel.upgrade(fakeServer(true), new Request("http://127.0.0.1/pico"), INIT)).toBe(true);
    expect(channel.hasCapacity()).toBe(false);

    // Just under 10 s: a sweep runs (the clock is read again) and the slot stays reserved.
    clock.now += 9_999;
    const reads = clock.reads;
    await until("two sweeps", () => clock.reads >= reads + 2);
    expect(channel.hasCapacity()).toBe(false);

    clock.now += 1;
    await until("the sweep to free the reserved slot", () => channel!.hasCapacity());
  });

  test("PicoChannel releases the slot at once when Bun refuses the upgrade", () => {
    channel = channelWithClock().channel;
    expect(channel.upgrade(fakeServer(false), new Request("http://127.0.0.1/pico"), INIT)).toBe(false);
    expect(channel.hasCapacity()).toBe(true);
  });
});
