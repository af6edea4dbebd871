import { afterEach, describe, expect, test } from "bun:test";
import { AUTH, chat, openPico, startTestGateway, type TestGateway } from "./helpers/gateway.ts";
import { closeCode, rawHandshake } from "./helpers/raw_ws.ts";

let gw: TestGateway;
afterEach(async () => await gw?.stop());

const PNG = "data:image/png;base64,iVBORw0KGgo=";

describe("Pico protocol over /pico", () => {
  test("ping gets pong with the same id, session_id and timestamp", async () => {
    gw = startTestGateway();
    const client = await openPico(gw.ws("/pico?session_id=s1"));
    client.send({ type: "ping", id: "abc" });
    const pong = await client.next("pong");
    expect(pong).toMatchObject({ type: "pong", id: "abc", session_id: "s1" });
    expect(Math.abs(pong.timestamp - Date.now())).toBeLessThan(5000);
    client.close();
  });

  test("message.send gets typing.start, message.create with the echoed content and reply_to, typing.stop", async () => {
    gw = startTestGateway();
    const client = await openPico(gw.ws("/pico?session_id=s1"));
    const frames = await chat(client, "hello pico", "req-1");
    expect(frames.map((f) => f.type)).toEqual(["typing.start", "message.create", "typing.stop"]);
    expect(frames[1].payload).toEqual({ message_id: expect.any(String), content: "hello pico", reply_to: "req-1" });
    for (const frame of frames) {
      expect(frame.session_id).toBe("s1");
      expect(typeof frame.timestamp).toBe("number");
    }
    client.close();
  });

  test("media.send with inline data:image media is answered like message.send, with media.create", async () => {
    gw = startTestGateway();
    const client = await openPico(gw.ws("/pico"));
    client.send({ type: "media.send", id: "m", payload: { content: "look", media: [PNG, { url: PNG }] } });
    const created = await client.next("message.create");
    const media = await client.next("media.create");
    expect(created.payload?.content).toBe("look");
    expect(media.payload).toEqual({ message_id: created.payload?.message_id, media: [PNG, PNG] });
    client.close();
  });

  test("every error code comes as an error frame and the socket stays open", async () => {
    gw = startTestGateway();
    const client = await openPico(gw.ws("/pico"));
    const cases: [unknown, string, string | undefined][] = [
      ["{not json", "invalid_message", undefined],
      ["[1,2]", "invalid_message", undefined],
      ["null", "invalid_message", undefined],
      [{ type: 5 }, "invalid_message", undefined],
      [{ type: "ping", id: 7 }, "invalid_message", undefined],
      [{ type: "message.send", payload: "text" }, "invalid_message", undefined],
      [{ type: "message.send", id: "r1", payload: { content: 42 } }, "invalid_message", "r1"],
      [{ type: "no.such.type" }, "unknown_type", undefined],
      [{ type: "message.send", id: "r2", payload: { content: "   " } }, "empty_content", "r2"],
      [{ type: "message.send", id: "r3" }, "empty_content", "r3"],
      [{ type: "media.send", id: "r4", payload: { media: ["https://example.com/a.png"] } }, "invalid_media", "r4"],
      [{ type: "media.send", id: "r5", payload: { media: ["data:text/plain;base64,aGk="] } }, "invalid_media", "r5"],
      [{ type: "media.send", id: "r6", payload: { media: "x" } }, "invalid_media", "r6"],
    ];
    for (const [frame, code, requestId] of cases) {
      client.send(frame);
      const error = await client.next("error");
      expect(error.payload?.code).toBe(code);
      expect(typeof error.payload?.message).toBe("string");
      expect(error.payload?.request_id).toBe(requestId);
    }
    client.socket.send(new Uint8Array([1, 2, 3]));
    expect((await client.next("error")).payload?.code).toBe("invalid_message");
    client.send({ type: "ping", id: "still-open" });
    expect((await client.next("pong")).id).toBe("still-open");
    expect(client.closeEvent).toBeUndefined();
    client.close();
  });

  test("more than max_frames_per_second gets rate_limited and the excess is dropped", async () => {
    gw = startTestGateway({ pico: { max_frames_per_second: 5 } });
    const client = await openPico(gw.ws("/pico"));
    for (let i = 0; i < 30; i++) client.send({ type: "ping", id: String(i) });
    const error = await client.next("error");
    expect(error.payload?.code).toBe("rate_limited");
    // A probe answered once the bucket refills: frames are answered in order, so every pong of the
    // burst has arrived before it.
    const deadline = Date.now() + 5000;
    for (let k = 0; !client.frames.some((f) => f.type === "pong" && f.id?.startsWith("probe")); k++) {
      if (Date.now() > deadline) throw new Error("no probe answered");
      client.send({ type: "ping", id: `probe-${k}` });
      await Bun.sleep(100);
    }
    const pongs = client.frames.filter((f) => f.type === "pong" && !f.id?.startsWith("probe")).length;
    expect(pongs).toBeGreaterThanOrEqual(5);
    expect(pongs).toBeLessThan(30);
    expect(client.closeEvent).toBeUndefined();
    client.close();
  });

  test("max_frames_per_second 0 turns the limit off", async () => {
    gw = startTestGateway({ pico: { max_frames_per_second: 0 } });
    const client = await openPico(gw.ws("/pico"));
    for (let i = 0; i < 100; i++) client.send({ type: "ping", id: String(i) });
    for (let i = 0; i < 100; i++) expect((await client.next("pong")).id).toBe(String(i));
    client.close();
  });

  test("server frames of a session go to every connection of that session and no other", async () => {
    gw = startTestGateway();
    const a = await openPico(gw.ws("/pico?session_id=shared"));
    const b = await openPico(gw.ws("/pico?session_id=shared"));
    const other = await openPico(gw.ws("/pico?session_id=other"));
    await chat(a, "to everyone in shared");
    const seen = await b.next("message.create");
    expect(seen.payload?.content).toBe("to everyone in shared");
    // The fan-out was sent before a's typing.stop; a pong on `other` comes after anything sent to it.
    other.send({ type: "ping", id: "sync" });
    await other.next("pong");
    expect(other.frames.map((f) => f.type)).toEqual(["pong"]);
    for (const c of [a, b, other]) c.close();
  });

  test("replies for one session come in request order", async () => {
    gw = startTestGateway();
    const client = await openPico(gw.ws("/pico"));
    for (let i = 0; i < 10; i++) client.send({ type: "message.send", id: String(i), payload: { content: `m${i}` } });
    for (let i = 0; i < 10; i++) expect((await client.next("message.create")).payload?.content).toBe(`m${i}`);
    client.close();
  });

  test("a frame larger than max_message_bytes closes the connection with 1009", async () => {
    gw = startTestGateway({ pico: { max_message_bytes: 1024 } });
    const client = await openPico(gw.ws("/pico"));
    client.send({ type: "message.send", payload: { content: "x".repeat(2000) } });
    expect((await client.closed()).code).toBe(1009);
  });
});

describe("Pico liveness", () => {
  test("the server pings every ping_interval and a client that answers stays connected", async () => {
    gw = startTestGateway({ pico: { ping_interval: 1, read_timeout: 2 } });
    const raw = await rawHandshake(gw.port, "/pico", { headers: AUTH, autoPong: true });
    expect(raw.status).toBe(101);
    // Three pings take longer than read_timeout (2 s): a client that answers them was kept.
    const deadline = Date.now() + 6000;
    while (raw.frames.filter((f) => f.opcode === 9).length < 3 && Date.now() < deadline) await Bun.sleep(20);
    expect(raw.frames.filter((f) => f.opcode === 9).length).toBeGreaterThanOrEqual(3);
    expect(raw.frames.some((f) => f.opcode === 8)).toBe(false);
    raw.close();
  });

  test("a connection silent for read_timeout is closed with 1001", async () => {
    gw = startTestGateway({ pico: { ping_interval: 1, read_timeout: 1 } });
    const raw = await rawHandshake(gw.port, "/pico", { headers: AUTH, autoPong: false });
    const close = await raw.waitFrame(8, 4000);
    expect(closeCode(close)).toBe(1001);
    raw.close();
  });

  test("a consumer that never reads is closed after write_timeout without slowing other sessions", async () => {
    gw = startTestGateway({ pico: { write_timeout: 1, max_message_bytes: 2 * 1024 * 1024 } });
    const raw = await rawHandshake(gw.port, "/pico?session_id=slow", { headers: AUTH });
    raw.socket.pause();
    const fast = await openPico(gw.ws("/pico?session_id=fast"));
    const big = "y".repeat(900 * 1024);
    const pushes = [];
    for (let i = 0; i < 12; i++) {
      pushes.push(fetch(gw.http("/api/messages"), {
        method: "POST",
        headers: { ...AUTH, "content-type": "application/json" },
        body: JSON.stringify({ content: big, session_id: "slow" }),
      }));
    }
    const frames = await chat(fast, "still answered");
    expect(frames[1].payload?.content).toBe("still answered");
    await Promise.all(pushes);
    const deadline = Date.now() + 5000;
    while (gw.channel.status().connections > 1 && Date.now() < deadline) await Bun.sleep(50);
    expect(gw.channel.status().connections).toBe(1);
    fast.close();
    raw.close();
  });

  test("stopping the gateway closes every socket with 1001", async () => {
    gw = startTestGateway();
    const client = await openPico(gw.ws("/pico"));
    await gw.stop();
    expect((await client.closed()).code).toBe(1001);
  });
});
