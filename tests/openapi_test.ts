import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { createAgent } from "../mod/agent/mod.ts";
import { createGatewayApp, GATEWAY_UNDOCUMENTED } from "../mod/gateway/mod.ts";
import { describe as describeRoute, OPENAPI_PATH, openApiDocument } from "../mod/http/mod.ts";
import { z } from "../mod/zod/mod.ts";
import { createLauncherApp, LAUNCHER_UNDOCUMENTED } from "../mod/launcher/mod.ts";
import { createLogger } from "../mod/log/mod.ts";
import { startConsoleBinary } from "./helpers/binary.ts";
import { startTestGateway, type TestGateway } from "./helpers/gateway.ts";
import { makeTestLauncher, type TestLauncher } from "./helpers/launcher.ts";
import { makeTempHome } from "./helpers/temp_home.ts";
import { endpointsOf, type OpenApiDoc, undocumentedEndpoints } from "./helpers/openapi.ts";

/**
 * `GET /api/openapi.json` on both servers (SPEC §10): served without auth, OpenAPI 3.1, the
 * schemas the routes validate with (not empty objects), and EVERY route the Hono app registers,
 * except the paths each server lists with a reason (`*_UNDOCUMENTED`: WebSockets, static assets,
 * the document itself). A new route without `describe(...)` makes the coverage test fail.
 */

const HealthLike = z.object({ status: z.string() });

type Schema = { properties?: Record<string, Record<string, unknown>>; required?: string[]; allOf?: Schema[] };

function bodySchema(doc: OpenApiDoc, path: string, method: string, media = "application/json"): Schema {
  const op = doc.paths[path]?.[method] as { requestBody?: { content: Record<string, { schema: Schema }> } };
  return op?.requestBody?.content[media]?.schema ?? {};
}

describe("undocumentedEndpoints()", () => {
  test("names a route registered without describe(), and not a middleware or an excluded path", () => {
    const app = new Hono();
    app.use("/api/*", async (_c, next) => await next());
    app.get("/a", describeRoute({ summary: "a" }), (c) => c.text("a"));
    app.post("/b/:id", (c) => c.text("b"));
    app.all("/ws", (c) => c.text("ws"));
    const doc: OpenApiDoc = { openapi: "3.1.0", paths: { "/a": { get: {} } } };
    expect(endpointsOf(app as never, { "/ws": "a socket" })).toEqual(["GET /a", "POST /b/:id"]);
    expect(undocumentedEndpoints(app as never, doc, { "/ws": "a socket" })).toEqual(["POST /b/:id"]);
    expect(undocumentedEndpoints(app as never, doc, {})).toEqual(["ALL /ws", "POST /b/:id"]);
  });
});

describe("gateway GET /api/openapi.json", () => {
  let gw: TestGateway;
  let doc: OpenApiDoc;
  beforeAll(async () => {
    gw = startTestGateway();
    const res = await fetch(gw.http(OPENAPI_PATH));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    doc = await res.json();
  });
  afterAll(() => gw.stop());

  test("is an OpenAPI 3.1 document served without auth, with the Pico token as bearer scheme", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.components?.securitySchemes?.picoToken).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.security).toEqual([{ picoToken: [] }]);
    expect(doc.paths["/health"].get.security).toEqual([]);
  });

  test("describes every route of the gateway app except the listed WebSocket paths", () => {
    const store = gw.store;
    const app = createGatewayApp({
      store,
      channel: gw.channel,
      history: gw.history,
      agent: createAgent(store.config.agent, gw.history),
      log: createLogger({ stderr: () => {} }),
      metrics: gw.metrics,
      status: () => ({}),
    });
    expect(endpointsOf(app as never, GATEWAY_UNDOCUMENTED)).toContain("POST /api/messages");
    expect(undocumentedEndpoints(app as never, doc, GATEWAY_UNDOCUMENTED)).toEqual([]);
  });

  test("carries the zod schemas: POST /api/messages body, the history query, the 400 error body", () => {
    const body = bodySchema(doc, "/api/messages", "post");
    expect(Object.keys(body.properties ?? {}).sort()).toEqual(["content", "session_id"]);
    expect(body.required).toEqual(["content"]);
    const op = doc.paths["/api/sessions/{id}/messages"].get as { parameters: { name: string; in: string }[] };
    expect(op.parameters.map((p) => `${p.in} ${p.name}`).sort()).toEqual(["path id", "query before", "query limit"]);
    const bad = doc.paths["/api/messages"].post as { responses: Record<string, unknown> };
    expect(JSON.stringify(bad.responses["400"])).toContain("#/components/schemas/Error");
    expect(doc.components?.schemas?.Error).toMatchObject({ required: ["error", "message"] });
  });
});

describe("launcher GET /api/openapi.json", () => {
  let launcher: TestLauncher;
  let doc: OpenApiDoc;
  beforeAll(async () => {
    launcher = await makeTestLauncher();
    const res = await launcher.request(OPENAPI_PATH);
    expect(res.status).toBe(200);
    doc = await res.json();
  });
  afterAll(() => launcher.stop());

  test("is an OpenAPI 3.1 document served without a session, with the cookie scheme and the CSRF rule", () => {
    expect(doc.openapi).toBe("3.1.0");
    const scheme = doc.components?.securitySchemes?.session;
    expect(scheme).toMatchObject({ type: "apiKey", in: "cookie", name: "picoclaw_session" });
    expect(JSON.stringify(doc)).toContain("csrf");
    expect(doc.paths["/login"].post.security).toEqual([]);
    expect(doc.paths["/api/sessions"].get.security).toBeUndefined(); // the document default: the session
  });

  test("describes every route of the launcher app except assets, the chat WebSocket and itself", () => {
    const app = createLauncherApp(launcher.ctx);
    expect(endpointsOf(app as never, LAUNCHER_UNDOCUMENTED)).toContain("DELETE /api/sessions/:id");
    expect(undocumentedEndpoints(app as never, doc, LAUNCHER_UNDOCUMENTED)).toEqual([]);
  });

  test("carries the zod schemas of /login (JSON and form), /setup and POST /api/pico_client", () => {
    for (const media of ["application/json", "application/x-www-form-urlencoded"]) {
      expect(bodySchema(doc, "/login", "post", media).required).toEqual(["token"]);
    }
    const setup = JSON.stringify(bodySchema(doc, "/setup", "post"));
    for (const field of ["token", "confirm", "current", "minLength"]) expect(setup).toContain(field);
    const client = bodySchema(doc, "/api/pico_client", "post");
    expect(Object.keys(client.properties ?? {}).sort()).toEqual(["enabled", "session_id", "token", "url"]);
  });

  test("leaves no secret in the document", () => {
    expect(JSON.stringify(doc)).not.toContain(launcher.token());
  });
});

describe("GET /api/openapi.json (the compiled binary)", () => {
  test("both servers of `picoclaw --console` serve their document, with the schemas converted in the binary", async () => {
    const home = makeTempHome();
    const { child, port } = await startConsoleBinary(home.path);
    try {
      const gatewayPort = Number(await child.gatewayPort());
      const gateway: OpenApiDoc = await (await fetch(`http://127.0.0.1:${gatewayPort}${OPENAPI_PATH}`)).json();
      expect(bodySchema(gateway, "/api/messages", "post").required).toEqual(["content"]);
      const launcher: OpenApiDoc = await (await fetch(`http://127.0.0.1:${port}${OPENAPI_PATH}`)).json();
      expect(bodySchema(launcher, "/login", "post").required).toEqual(["token"]);
    } finally {
      await child.stop();
      home.remove();
    }
  });
});

describe("describe()", () => {
  test("lists JSON and HTML for a status given by both, and points error answers at the one Error schema", async () => {
    const app = new Hono();
    app.get(
      "/",
      describeRoute({
        summary: "page",
        response: HealthLike,
        responses: { "200": { description: "page", media: "text/html" }, "401": "no" },
      }),
      (c) => c.text(""),
    );
    const doc = await openApiDocument(app, { title: "t", description: "d", version: "1", securitySchemes: {} });
    const op = (doc.paths as OpenApiDoc["paths"])["/"].get as {
      responses: Record<string, { content: Record<string, { schema?: unknown }> }>;
    };
    expect(Object.keys(op.responses["200"].content).sort()).toEqual(["application/json", "text/html"]);
    expect(op.responses["200"].content["application/json"].schema).toMatchObject({ required: ["status"] });
    expect(op.responses["401"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/Error" });
  });
});
