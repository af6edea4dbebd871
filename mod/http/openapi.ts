import type { Env, Hono, MiddlewareHandler } from "hono";
import { describeRoute, generateSpecs, resolver, uniqueSymbol } from "hono-openapi";
import { z } from "../zod/mod.ts";

/** The path of the OpenAPI document on both servers (SPEC §10). */
export const OPENAPI_PATH = "/api/openapi.json";

/** The `{error, message, details?}` body every error response has. */
export const ErrorBodySchema = z.object({
  error: z.string(),
  message: z.string(),
  details: z.optional(z.array(z.object({ field: z.string(), message: z.string() }))),
});

/** `{ok: true}`, the answer of the launcher's simple state changes. */
export const OkBodySchema = z.object({ ok: z.boolean() });

/** What a route's OpenAPI entry says; the schemas are the zod schemas the route validates with. */
export interface RouteDoc {
  /** One line: what the route does. */
  summary: string;
  description?: string;
  /** Groups in the document (`tags`). */
  tags?: string[];
  /** A JSON request body (routes that validate with `jsonBody()` get theirs without this). */
  body?: z.ZodMiniType;
  /** The media types the body may come as (default `application/json`). */
  bodyMedia?: string[];
  /** Query parameters, from the object schema the route parses `c.req.query()` with. */
  query?: z.ZodMiniObject;
  /** The 200 JSON answer; or a status → description/schema map for other answers. */
  response?: z.ZodMiniType;
  responses?: Record<string, string | { description: string; schema?: z.ZodMiniType; media?: string }>;
  /** `true` for a route that needs no authentication (overrides the document's default security). */
  public?: boolean;
}

/** A schema's JSON Schema (draft 2020-12, which OpenAPI 3.1 uses) without the `$schema` line. */
function jsonSchema(schema: z.ZodMiniType): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: "input" }) as Record<string, unknown>;
  return rest;
}

/** Error answers point at the one `Error` schema in `components.schemas`. */
const ERROR_REF = { $ref: "#/components/schemas/Error" };

function queryParameters(schema: z.ZodMiniObject) {
  const json = jsonSchema(schema) as {
    properties?: Record<string, Record<string, unknown>>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    in: "query" as const,
    name,
    required: json.required?.includes(name) ?? false,
    schema: property,
  }));
}

/**
 * Describes a route for the OpenAPI document: put it before the handler. Its schemas are
 * converted by `hono-openapi` (Standard Schema, so zod/mini works) when the document is made.
 *
 * @param doc What the route takes and answers.
 * @returns A middleware that does nothing at request time and carries the description.
 * @example
 * app.get("/health", describe({ summary: "Liveness", public: true, response: HealthSchema }), handler);
 */
export function describe(doc: RouteDoc): MiddlewareHandler {
  const responses: Record<string, unknown> = {};
  if (doc.response) {
    responses["200"] = { description: "OK", content: { "application/json": { schema: resolver(doc.response) } } };
  }
  for (const [status, value] of Object.entries(doc.responses ?? {})) {
    const entry = typeof value === "string" ? { description: value } : value;
    const media = entry.media ?? "application/json";
    const isError = !entry.schema && media === "application/json" && Number(status) >= 400;
    const schema = entry.schema ? resolver(entry.schema) : isError ? ERROR_REF : undefined;
    // A status given by both `response` and `responses` (JSON and HTML) lists both media types.
    const content = { ...(responses[status] as { content?: object } | undefined)?.content };
    if (schema) Object.assign(content, { [media]: { schema } });
    else if (media !== "application/json") Object.assign(content, { [media]: {} });
    responses[status] = { description: entry.description, ...(Object.keys(content).length ? { content } : {}) };
  }
  return describeRoute({
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    ...(doc.tags ? { tags: doc.tags } : {}),
    ...(doc.public ? { security: [] } : {}),
    ...(doc.query ? { parameters: queryParameters(doc.query) } : {}),
    ...(doc.body
      ? {
        requestBody: {
          required: true,
          content: Object.fromEntries(
            (doc.bodyMedia ?? ["application/json"]).map((media) => [media, { schema: resolver(doc.body!) }]),
          ),
        },
      }
      : {}),
    responses: responses as never,
  });
}

/**
 * Marks a validating middleware as taking a JSON body of `schema`, so the document shows the
 * request body of every route that validates with it (`jsonBody()` does this).
 *
 * @returns The same middleware.
 */
export function documentJsonBody<M extends MiddlewareHandler>(middleware: M, schema: z.ZodMiniType): M {
  return Object.assign(middleware, { [uniqueSymbol]: { target: "json", ...resolver(schema) } });
}

/** What the document says about the server: its title, what it is, and how callers authenticate. */
export interface OpenApiInfo {
  title: string;
  description: string;
  version: string;
  /** The security schemes (`components.securitySchemes`); the first one is required by default. */
  securitySchemes: Record<string, Record<string, unknown>>;
}

/**
 * Builds the OpenAPI 3.1 document of an app from the `describe()` and `jsonBody()` marks on
 * its routes. Routes without a description are left out (the route-coverage tests catch that).
 *
 * @param app The finished Hono app.
 * @param info Title, description, version and security schemes.
 * @returns The document as a plain object.
 */
export async function openApiDocument<E extends Env>(
  app: Hono<E>,
  info: OpenApiInfo,
): Promise<Record<string, unknown>> {
  const [defaultScheme] = Object.keys(info.securitySchemes);
  return await generateSpecs(app as unknown as Hono, {
    documentation: {
      info: { title: info.title, description: info.description, version: info.version },
      components: { securitySchemes: info.securitySchemes as never, schemas: { Error: jsonSchema(ErrorBodySchema) } },
      security: defaultScheme ? [{ [defaultScheme]: [] }] : [],
    },
    defaultValidationErrorResponse: {
      description: "`invalid_request`: the body failed validation (each field's problem in `details`)",
      content: { "application/json": { schema: ERROR_REF } },
    },
  }) as unknown as Record<string, unknown>;
}

/**
 * The `GET /api/openapi.json` handler: the document, made once on the first request.
 *
 * @param app The app to describe (its routes are read when the first request comes).
 * @param info Title, description, version and security schemes.
 */
export function openApiRoute<E extends Env>(app: Hono<E>, info: OpenApiInfo): MiddlewareHandler<E> {
  let document: Promise<Record<string, unknown>> | undefined;
  return async function openApi(c) {
    document ??= openApiDocument(app, info).catch((err) => {
      document = undefined; // made again on the next request
      throw err;
    });
    return c.json(await document);
  };
}
