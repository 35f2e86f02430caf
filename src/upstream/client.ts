import type { z } from "zod";
import { ownerOf } from "../store/owner.js";
import { CircuitBreaker } from "./breaker.js";
import { classifyHttpFailure, UpstreamError } from "./errors.js";
import { type HttpAnswer, type HttpCall, HttpTransport } from "./http.js";
import { KeyGate } from "./key-gate.js";
import {
  type Activation,
  type ActivationPage,
  activationPageSchema,
  activationSchema,
  type Balance,
  balanceSchema,
  type Country,
  countryListSchema,
  type Offer,
  type Service,
  serviceCountriesSchema,
  serviceListSchema,
  type Transaction,
  transactionPageSchema,
} from "./schemas.js";

/** One upstream call as seen by metrics and logs (route pattern, never ids or keys). */
export interface UpstreamCallEvent {
  route: string;
  outcome: "ok" | UpstreamError["kind"];
  ms: number;
}

export interface UpstreamClientOptions {
  baseUrl: string;
  timeoutMs: number;
  /** a purchase may take longer than a read */
  purchaseTimeoutMs?: number;
  onCall?: (event: UpstreamCallEvent) => void;
  breaker?: CircuitBreaker;
  keyGate?: KeyGate;
}

export interface Purchase {
  activation: Activation;
}

export interface ListActivationsQuery {
  limit?: number;
  cursor?: string | undefined;
  status?: string[];
}

/**
 * The only code that speaks native HTTP (native-api.md). Every answer is checked against its
 * schema; every failure is an `UpstreamError` of one kind. Nothing here retries a purchase.
 */
export class UpstreamClient {
  private readonly http: HttpTransport;
  readonly breaker: CircuitBreaker;
  private readonly keyGate: KeyGate;
  /** upstream clock minus local clock, from the last `Date` header seen (an object: shared with the per-request views) */
  private readonly clock = { skewMs: 0 };
  /** set on the per-request views made by `forRequest` */
  private readonly scope?: { upstreamCalls: number };

  constructor(private readonly opts: UpstreamClientOptions) {
    this.http = new HttpTransport(opts.baseUrl);
    this.breaker = opts.breaker ?? new CircuitBreaker({ threshold: 5, cooldownMs: 5000 });
    this.keyGate = opts.keyGate ?? new KeyGate({ maxConcurrent: 16, maxQueued: 256 });
  }

  /**
   * A view of this client that counts the calls it makes into `scope` (for the request's log
   * line). It shares everything else: connections, breaker, key lanes, clock skew.
   */
  forRequest(scope: { upstreamCalls: number }): UpstreamClient {
    return Object.create(this, { scope: { value: scope } }) as UpstreamClient;
  }

  /** The upstream's clock now, as far as its `Date` headers tell (1 s resolution). */
  upstreamNow(): number {
    return Date.now() + this.clock.skewMs;
  }

  getBalance(key: string): Promise<Balance> {
    return this.json("GET /wallet/balance", { method: "GET", path: "/wallet/balance" }, key, balanceSchema);
  }

  listTransactions(key: string, limit = 20): Promise<{ data: Transaction[]; nextCursor: string | null }> {
    const path = `/wallet/transactions?limit=${limit}`;
    return this.json("GET /wallet/transactions", { method: "GET", path }, key, transactionPageSchema);
  }

  /** `POST /activations`: charges at once. Never retried; an ambiguous failure is flagged as such. */
  buy(
    key: string,
    order: { serviceCode: string; countryIso: string; operator?: string },
  ): Promise<Activation> {
    const body = {
      serviceCode: order.serviceCode,
      countryIso: order.countryIso,
      ...(order.operator && { operator: order.operator }),
    };
    const timeoutMs = this.opts.purchaseTimeoutMs ?? this.opts.timeoutMs;
    return this.json(
      "POST /activations",
      { method: "POST", path: "/activations", body, timeoutMs },
      key,
      activationSchema,
    );
  }

  getActivation(key: string, id: string): Promise<Activation> {
    const path = `/activations/${encodeURIComponent(id)}`;
    return this.json("GET /activations/:id", { method: "GET", path }, key, activationSchema);
  }

  cancel(key: string, id: string): Promise<Activation> {
    const path = `/activations/${encodeURIComponent(id)}`;
    return this.json("DELETE /activations/:id", { method: "DELETE", path }, key, activationSchema);
  }

  complete(key: string, id: string): Promise<Activation> {
    const path = `/activations/${encodeURIComponent(id)}/complete`;
    return this.json("POST /activations/:id/complete", { method: "POST", path }, key, activationSchema);
  }

  requestResend(key: string, id: string): Promise<Activation> {
    const path = `/activations/${encodeURIComponent(id)}/request-resend`;
    return this.json("POST /activations/:id/request-resend", { method: "POST", path }, key, activationSchema);
  }

  listActivations(key: string, query: ListActivationsQuery = {}): Promise<ActivationPage> {
    const params = new URLSearchParams({ limit: String(query.limit ?? 100) });
    if (query.cursor) params.set("cursor", query.cursor);
    if (query.status?.length) params.set("status", query.status.join(","));
    const path = `/activations?${params}`;
    return this.json("GET /activations", { method: "GET", path }, key, activationPageSchema);
  }

  listServices(): Promise<Service[]> {
    return this.json("GET /services", { method: "GET", path: "/services" }, undefined, serviceListSchema);
  }

  listCountries(): Promise<Country[]> {
    return this.json("GET /countries", { method: "GET", path: "/countries" }, undefined, countryListSchema);
  }

  serviceCountries(code: string): Promise<Offer[]> {
    const path = `/services/${encodeURIComponent(code)}/countries`;
    return this.json(
      "GET /services/:code/countries",
      { method: "GET", path },
      undefined,
      serviceCountriesSchema,
    );
  }

  close(): void {
    this.http.close();
  }

  private async json<S extends z.ZodType>(
    route: string,
    call: Omit<HttpCall, "timeoutMs"> & { timeoutMs?: number },
    key: string | undefined,
    schema: S,
  ): Promise<z.output<S>> {
    // Failing fast sends nothing: never ambiguous, not an upstream call.
    if (!this.breaker.tryAcquire()) {
      throw new UpstreamError("unavailable", `circuit open: ${this.breaker.lastError ?? "upstream failing"}`);
    }
    let release: (() => void) | undefined;
    const keyId = key === undefined ? undefined : ownerOf(key);
    try {
      if (keyId !== undefined) release = await this.enterKeyLane(keyId);
    } catch (err) {
      this.breaker.recordNeutral();
      throw err;
    }
    const started = performance.now();
    if (this.scope) this.scope.upstreamCalls += 1;
    let outcome: UpstreamCallEvent["outcome"] = "ok";
    try {
      const answer = await this.http.send({
        ...call,
        timeoutMs: call.timeoutMs ?? this.opts.timeoutMs,
        headers: key === undefined ? {} : { "x-api-key": key },
      });
      this.observeClock(answer);
      if (answer.status < 200 || answer.status >= 300) {
        throw classifyHttpFailure(answer.status, answer.body, answer.retryAfter);
      }
      return parseBody(schema, answer.body, route);
    } catch (err) {
      const failure =
        err instanceof UpstreamError
          ? err
          : new UpstreamError("unavailable", String(err), { ambiguous: true });
      outcome = failure.kind;
      if (failure.kind === "rate_limited" && keyId !== undefined) {
        this.keyGate.block(keyId, failure.detail.retryAfterS ?? 1);
      }
      throw failure;
    } finally {
      release?.();
      if (outcome === "ok") this.breaker.recordSuccess();
      else if (outcome === "timeout" || outcome === "unavailable")
        this.breaker.recordOutage(`${route}: ${outcome}`);
      else this.breaker.recordNeutral();
      this.opts.onCall?.({ route, outcome, ms: performance.now() - started });
    }
  }

  /** Waits for a per-key slot; refuses while the key is in a 429 back-off or its queue is full. */
  private async enterKeyLane(keyId: string): Promise<() => void> {
    const waitMs = this.keyGate.blockedFor(keyId);
    if (waitMs > 0) {
      throw new UpstreamError("rate_limited", "waiting out the upstream's Retry-After", {
        retryAfterS: Math.ceil(waitMs / 1000),
      });
    }
    const release = await this.keyGate.acquire(keyId);
    if (!release) throw new UpstreamError("rate_limited", "too many concurrent upstream calls for this key");
    return release;
  }

  private observeClock(answer: HttpAnswer): void {
    if (answer.date !== undefined && !Number.isNaN(answer.date)) this.clock.skewMs = answer.date - Date.now();
  }
}

function parseBody<S extends z.ZodType>(schema: S, body: string, route: string): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new UpstreamError("invalid_response", `${route}: body is not JSON`, { ambiguous: true });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? `${issue.path.join(".")}: ${issue.message}` : "schema mismatch";
    throw new UpstreamError("invalid_response", `${route}: ${where}`, { ambiguous: true });
  }
  return parsed.data;
}
