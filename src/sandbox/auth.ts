import type { MiddlewareHandler } from "hono";
import { jsonError } from "./errors.js";
import type { SandboxEnv, SandboxState } from "./state.js";

/** The key from `x-api-key` or `Authorization: Bearer <key>`. */
export function presentedApiKey(headers: Headers): string | null {
  const direct = headers.get("x-api-key")?.trim();
  if (direct) return direct;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.get("authorization") ?? "");
  return bearer?.[1] ?? null;
}

/** Authenticates the key (401/403), then applies its per-second rate limit (429 with Retry-After). */
export function requireAccount(state: SandboxState): MiddlewareHandler<SandboxEnv> {
  return async (c, next) => {
    const apiKey = presentedApiKey(c.req.raw.headers);
    if (!apiKey) return jsonError(c, 401, "Missing API key: send x-api-key or Authorization: Bearer");
    const account = state.accounts.find(apiKey);
    if (!account) return jsonError(c, 401, "Invalid API key");
    if (account.blocked) return jsonError(c, 403, "This API key is not allowed to perform this action");
    const retryAfterS = state.rateLimiter.take(apiKey);
    if (retryAfterS > 0) {
      c.header("Retry-After", String(retryAfterS));
      return jsonError(c, 429, "ThrottlerException: Too Many Requests");
    }
    c.set("account", account);
    await next();
  };
}
