import type { Hono } from "hono";

/** An OpenAPI document, as far as the tests read it. */
export interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components?: { securitySchemes?: Record<string, Record<string, unknown>>; schemas?: Record<string, unknown> };
  security?: unknown[];
}

/** `/api/sessions/:id/messages` → `/api/sessions/{id}/messages` (OpenAPI path templating). */
export function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?\??/g, "{$1}");
}

/**
 * Every endpoint registered in a Hono app as `METHOD path`: middleware (`app.use`, method
 * `ALL` on a wildcard path) left out, paths listed in `excluded` left out.
 */
export function endpointsOf(app: Hono<never>, excluded: Readonly<Record<string, string>>): string[] {
  const out = new Set<string>();
  // deno-lint-ignore no-explicit-any
  for (const route of (app as any).routes as { method: string; path: string }[]) {
    if (route.method === "ALL" && route.path.includes("*")) continue;
    if (route.path in excluded) continue;
    out.add(`${route.method} ${route.path}`);
  }
  return [...out].sort();
}

/** The endpoints of `app` that the document does not describe (an `ALL` route needs some method). */
export function undocumentedEndpoints(
  app: Hono<never>,
  doc: OpenApiDoc,
  excluded: Readonly<Record<string, string>>,
): string[] {
  return endpointsOf(app, excluded).filter((endpoint) => {
    const [method, path] = endpoint.split(" ");
    const item = doc.paths[toOpenApiPath(path)];
    if (!item) return true;
    return method === "ALL" ? Object.keys(item).length === 0 : !(method.toLowerCase() in item);
  });
}
