import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { MAX_LOG_DOWNLOAD_BYTES } from "../mod/launcher/log_routes.ts";
import { makeTestLauncher, postJson, type TestLauncher } from "./helpers/launcher.ts";

let launcher: TestLauncher;
afterEach(async () => await launcher?.stop());

interface Entry {
  seq: number;
  ts: number;
  level: string;
  msg: string;
  fields: Record<string, string>;
}

describe("GET /api/logs", () => {
  test("answers 401 without a session, for the entries and the download", async () => {
    launcher = await makeTestLauncher();
    for (const path of ["/api/logs", "/api/logs/download"]) {
      const res = await launcher.request(path);
      expect(res.status, path).toBe(401);
      expect((await res.json()).error).toBe("unauthorized");
    }
  });

  test("answers {entries: [{seq, ts, level, msg, fields}], next} from the process's log", async () => {
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    launcher.ctx.log.info("hello from the test", { answer: 42 });
    const res = await launcher.request("/api/logs", { headers: { cookie } });
    expect(res.status).toBe(200);
    const { entries, next } = await res.json() as { entries: Entry[]; next: number };
    const mine = entries.find((e) => e.msg === "hello from the test")!;
    expect(Object.keys(mine).sort()).toEqual(["fields", "level", "msg", "seq", "ts"]);
    expect(mine).toMatchObject({ level: "info", fields: { answer: "42" } });
    expect(next).toBe(entries.at(-1)!.seq);
    expect(entries.map((e) => e.seq)).toEqual([...entries.map((e) => e.seq)].sort((a, b) => a - b));
  });

  test("filters by minimum level and follows with after", async () => {
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    const get = async (query: string) =>
      await (await launcher.request(`/api/logs${query}`, { headers: { cookie } })).json() as {
        entries: Entry[];
        next: number;
      };
    const start = (await get("")).next;
    launcher.ctx.log.info("plain news");
    launcher.ctx.log.warn("a warning");
    launcher.ctx.log.error("an error");
    const warn = await get(`?level=warn&after=${start}`);
    expect(warn.entries.map((e) => e.msg)).toEqual(["a warning", "an error"]);
    expect(warn.next).toBe(start + 3);
    expect((await get(`?after=${warn.next}`)).entries).toEqual([]);
    launcher.ctx.log.info("later");
    expect((await get(`?after=${warn.next}`)).entries.map((e) => e.msg)).toEqual(["later"]);
  });

  test("refuses a bad level or after with 400 invalid_request", async () => {
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    for (const query of ["?level=loud", "?after=-1", "?after=abc"]) {
      const res = await launcher.request(`/api/logs${query}`, { headers: { cookie } });
      expect(res.status, query).toBe(400);
      expect((await res.json()).error).toBe("invalid_request");
    }
  });

  test("never carries a token: failed logins log the IP only, tokens print masked", async () => {
    launcher = await makeTestLauncher();
    await launcher.request("/login", postJson({ token: "guessed-token-123456789" }));
    const cookie = await launcher.login();
    await launcher.request("/api/pico/token", postJson({}, cookie));
    const text = await (await launcher.request("/api/logs?level=debug", { headers: { cookie } })).text();
    expect(text).toContain("login failed ip=127.0.0.1 via=login");
    expect(text).not.toContain("guessed-token");
    expect(text).not.toContain(launcher.token());
    const pico = await (await launcher.request("/api/pico/token/reveal", postJson({}, cookie))).json();
    expect(text).not.toContain(pico.token);
  });
});

describe("GET /api/logs/download", () => {
  test("sends launcher.log as a text/plain attachment", async () => {
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    mkdirSync(launcher.home.file("logs"), { recursive: true });
    const content = "2026-01-01T00:00:00.000Z INFO  first line\n2026-01-01T00:00:01.000Z WARN  second line\n";
    writeFileSync(launcher.home.file("logs/launcher.log"), content);
    const res = await launcher.request("/api/logs/download", { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/plain");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="launcher.log"');
    expect(await res.text()).toBe(content);
  });

  test("sends the newest part of a file over the bound, from a line start", async () => {
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    mkdirSync(launcher.home.file("logs"), { recursive: true });
    const line = `${"x".repeat(99)}\n`;
    const lines = Math.ceil(MAX_LOG_DOWNLOAD_BYTES / line.length) + 1000;
    writeFileSync(launcher.home.file("logs/launcher.log"), `${line.repeat(lines - 1)}the last line\n`);
    const body = await (await launcher.request("/api/logs/download", { headers: { cookie } })).text();
    expect(body.length).toBeLessThanOrEqual(MAX_LOG_DOWNLOAD_BYTES);
    expect(body.length).toBeGreaterThan(MAX_LOG_DOWNLOAD_BYTES - line.length);
    expect(body.startsWith("x")).toBe(true);
    expect(body.split("\n")[0]).toBe("x".repeat(99));
    expect(body.endsWith("the last line\n")).toBe(true);
  });

  test("sends the in-memory entries as text when there is no log file", async () => {
    launcher = await makeTestLauncher();
    const cookie = await launcher.login();
    launcher.ctx.log.warn("kept in memory", { ip: "10.1.2.3" });
    const res = await launcher.request("/api/logs/download", { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toContain("attachment");
    expect(await res.text()).toMatch(/^\S+Z WARN {2}kept in memory ip=10\.1\.2\.3$/m);
  });
});
