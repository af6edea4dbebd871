import { describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { SESSION_COOKIE, SessionManager } from "./sessions.ts";

/** A tiny app around a SessionManager: /start sets a cookie, /check reports it. */
function appWith(sessions: SessionManager) {
  const app = new Hono();
  app.get("/start", async (c) => c.text(await sessions.start(c, false)));
  app.get("/check", async (c) => c.json(await sessions.check(c)));
  app.get("/revoke/:id", (c) => {
    sessions.revoke(c.req.param("id"));
    return c.text("ok");
  });
  return app;
}

async function startCookie(app: Hono): Promise<string> {
  const res = await app.request("/start");
  return res.headers.getSetCookie()[0].split(";")[0];
}

describe("SessionManager", () => {
  test("SessionManager accepts its own cookie and reports a missing one", async () => {
    const app = appWith(new SessionManager());
    const cookie = await startCookie(app);
    expect(cookie).toStartWith(`${SESSION_COOKIE}=`);
    expect((await (await app.request("/check", { headers: { cookie } })).json()).ok).toBe(true);
    expect(await (await app.request("/check")).json()).toEqual({ ok: false, reason: "missing" });
  });

  test("SessionManager rejects a signature whose last digit differs only in unused bits", async () => {
    const app = appWith(new SessionManager());
    const cookie = decodeURIComponent(await startCookie(app));
    const signature = cookie.slice(cookie.lastIndexOf(".") + 1); // 43 digits + "="
    const last = signature.at(-2)!;
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const twin = alphabet[alphabet.indexOf(last) ^ 1]; // same top 4 bits, other unused low bit
    const forged = `${cookie.slice(0, cookie.length - 2)}${twin}=`;
    expect(atob(forged.slice(forged.lastIndexOf(".") + 1))).toBe(atob(signature));
    const res = await app.request("/check", { headers: { cookie: forged.replace(/=$/, "%3D") } });
    expect(await res.json()).toEqual({ ok: false, reason: "tampered" });
  });

  test("SessionManager rejects expired, revoked and foreign-key cookies", async () => {
    let now = 1_000_000;
    const sessions = new SessionManager({ now: () => now });
    const app = appWith(sessions);
    const cookie = await startCookie(app);
    const id = cookie.split(".")[1];
    await app.request(`/revoke/${id}`);
    expect((await (await app.request("/check", { headers: { cookie } })).json()).reason).toBe("revoked");
    const second = await startCookie(app);
    now += 7 * 24 * 3600 * 1000;
    expect((await (await app.request("/check", { headers: { cookie: second } })).json()).reason).toBe("expired");
    const foreign = await startCookie(appWith(new SessionManager()));
    expect((await (await app.request("/check", { headers: { cookie: foreign } })).json()).reason).toBe("tampered");
  });

  test("SessionManager.rotateKey() ends every session", async () => {
    const sessions = new SessionManager();
    const app = appWith(sessions);
    const cookie = await startCookie(app);
    sessions.rotateKey();
    expect((await (await app.request("/check", { headers: { cookie } })).json()).ok).toBe(false);
    expect(sessions.size).toBe(0);
  });

  test("SessionManager forgets expired sessions when a new one starts, and tells onEnd listeners", async () => {
    let now = 1_000_000;
    const sessions = new SessionManager({ now: () => now });
    const ended: string[] = [];
    sessions.onEnd((ids) => ended.push(...ids));
    const app = appWith(sessions);
    const first = await (await app.request("/start")).text();
    now += 1000;
    const second = await (await app.request("/start")).text();
    now += 7 * 24 * 3600 * 1000 - 500; // the first has expired, the second has not
    const third = await (await app.request("/start")).text();
    expect(ended).toEqual([first]);
    expect(sessions.size).toBe(2);
    expect(sessions.list().map((s) => s.id)).toEqual([second, third]);
  });

  test("SessionManager forgets the oldest live session past 10 000, and tells onEnd listeners", async () => {
    const sessions = new SessionManager();
    const ended: string[] = [];
    sessions.onEnd((ids) => ended.push(...ids));
    const app = appWith(sessions);
    const oldest = await (await app.request("/start")).text();
    const cookie = (await app.request("/start")).headers.getSetCookie()[0].split(";")[0];
    for (let i = 2; i < 10_000; i++) await app.request("/start");
    expect(sessions.size).toBe(10_000);
    expect(ended).toEqual([]);
    await app.request("/start"); // the 10 001st
    expect(sessions.size).toBe(10_000);
    expect(ended).toEqual([oldest]);
    expect(sessions.list().some((s) => s.id === oldest)).toBe(false);
    expect((await (await app.request("/check", { headers: { cookie } })).json()).ok).toBe(true);
  });
});
