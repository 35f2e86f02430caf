import { errorBodySchema } from "./schemas.js";

/**
 * Every upstream failure becomes one of these kinds (docs/architecture.md decision 3); the legacy side
 * maps kind × action to a token in one table (`legacy/failure-tokens.ts`).
 */
export type UpstreamErrorKind =
  | "unauthorized" // 401, 403
  | "insufficient_balance" // 400 mentioning balance
  | "rejected" // other 4xx (validation)
  | "not_found" // 404
  | "conflict" // 409: re-read the activation
  | "out_of_stock" // 503 with the upstream's JSON error body
  | "rate_limited" // 429
  | "unavailable" // 5xx, bare 503, connection failure, circuit open
  | "timeout" // our deadline passed
  | "invalid_response"; // a 2xx whose body does not match the schema

export class UpstreamError extends Error {
  constructor(
    readonly kind: UpstreamErrorKind,
    message: string,
    readonly detail: {
      status?: number;
      retryAfterS?: number;
      /** which request field a validation error names, when it is clear */
      field?: "service" | "country";
      /** the request may have reached the upstream and taken effect (a purchase must be reconciled) */
      ambiguous?: boolean;
      /** refused by the open circuit breaker: nothing was sent */
      breakerOpen?: boolean;
    } = {},
  ) {
    super(message);
    this.name = "UpstreamError";
  }

  get ambiguous(): boolean {
    return this.detail.ambiguous ?? false;
  }

  /** An outage, a timeout or a 429: the same call may well succeed a moment later. */
  get transient(): boolean {
    return this.kind === "unavailable" || this.kind === "timeout" || this.kind === "rate_limited";
  }
}

function parseErrorBody(text: string): { message: string } | undefined {
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(text));
    if (!parsed.success) return undefined;
    const m = parsed.data.message;
    return { message: Array.isArray(m) ? m.join("; ") : m };
  } catch {
    return undefined;
  }
}

function retryAfterSeconds(header: string | undefined): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/** Classifies a non-2xx answer. Never looks at message text except for the balance/field hints. */
export function classifyHttpFailure(status: number, bodyText: string, retryAfter?: string): UpstreamError {
  const body = parseErrorBody(bodyText);
  const message = body?.message ?? `HTTP ${status}`;
  if (status === 401 || status === 403) return new UpstreamError("unauthorized", message, { status });
  if (status === 404) return new UpstreamError("not_found", message, { status });
  if (status === 409) return new UpstreamError("conflict", message, { status });
  if (status === 429)
    return new UpstreamError("rate_limited", message, { status, retryAfterS: retryAfterSeconds(retryAfter) });
  if (status === 503 && body) return new UpstreamError("out_of_stock", message, { status });
  if (status === 400 && /balance/i.test(message))
    return new UpstreamError("insufficient_balance", message, { status });
  if (status >= 400 && status < 500) {
    const field = /service/i.test(message) ? "service" : /country/i.test(message) ? "country" : undefined;
    return new UpstreamError("rejected", message, { status, ...(field && { field }) });
  }
  return new UpstreamError("unavailable", message, { status, ambiguous: true });
}
