import type { Context } from "hono";
import { matchedRoutes } from "hono/route";

/**
 * `"<METHOD> <full route pattern>"` of the handler that serves this request, e.g.
 * `"GET /api/v1/activations/:id"`; `"<METHOD> *"` when no route matches. Works in middleware too,
 * because Hono matches every route before the first middleware runs.
 */
export function routeKey(c: Context): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const route = routes[i]!;
    if (route.method !== "ALL") return `${c.req.method} ${route.path}`;
  }
  return `${c.req.method} *`;
}
