import type { MiddlewareHandler } from "hono";
import { HttpError } from "./errors.js";
import type { SandboxEnv, SandboxState } from "./state.js";

/** The key from `x-api-key` or `Authorization: Bearer <key>`. */
function presentedApiKey(headers: Headers): string | null {
  const direct = headers.get("x-api-key")?.trim();
  if (direct) return direct;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.get("authorization") ?? "");
  return bearer?.[1] ?? null;
}

/**
 * Authenticates the key (401/403), then applies its per-second rate limit (429 with Retry-After).
 * Refusals are thrown: the app's error handler answers them like every other failure.
 */
export function requireAccount(state: SandboxState): MiddlewareHandler<SandboxEnv> {
  return async (c, next) => {
    const apiKey = presentedApiKey(c.req.raw.headers);
    if (!apiKey) throw new HttpError(401, "Missing API key: send x-api-key or Authorization: Bearer");
    const account = state.accounts.find(apiKey);
    if (!account) throw new HttpError(401, "Invalid API key");
    if (account.blocked) throw new HttpError(403, "This API key is not allowed to perform this action");
    const retryAfterS = state.rateLimiter.take(apiKey);
    if (retryAfterS > 0) {
      throw new HttpError(429, "ThrottlerException: Too Many Requests", {
        "Retry-After": String(retryAfterS),
      });
    }
    c.set("account", account);
    await next();
  };
}
