import type { z } from "zod";
import type { RequestScope } from "../common/request-scope.js";
import { CircuitBreaker } from "./breaker.js";
import {
  type Answered,
  CallGuard,
  type CallPriority,
  type GuardedCall,
  type UpstreamCallEvent,
} from "./call-guard.js";
import {
  type EmailActivation,
  type EmailDomain,
  emailActivationListSchema,
  emailActivationSchema,
  emailDomainListSchema,
} from "./email-schemas.js";
import { classifyHttpFailure, UpstreamError } from "./errors.js";
import { type HttpCall, HttpTransport } from "./http.js";
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
} from "./schemas.js";

export type { UpstreamCallEvent } from "./call-guard.js";

export interface UpstreamClientOptions {
  baseUrl: string;
  timeoutMs: number;
  /** a purchase may take longer than a read */
  purchaseTimeoutMs?: number;
  /** UPSTREAM_MAX_BODY_BYTES: an answer past it is abandoned as an invalid (and ambiguous) one */
  maxBodyBytes?: number;
  onCall?: (event: UpstreamCallEvent) => void;
  breaker?: CircuitBreaker;
  keyGate?: KeyGate;
  /** a stable, non-secret id of a key for the per-key lanes (the owner hash) */
  keyIdOf: (key: string) => string;
}

export interface ListActivationsQuery {
  limit?: number;
  cursor?: string | undefined;
  status?: readonly string[];
}

type Request = Omit<HttpCall, "timeoutMs" | "headers"> & { timeoutMs?: number };

/**
 * The only code that speaks native HTTP (docs/native-api.md). Every answer is checked against its
 * schema; every failure is an `UpstreamError` of one kind. Nothing here retries a purchase.
 */
export class UpstreamClient {
  private readonly http: HttpTransport;
  private readonly guard: CallGuard;
  readonly breaker: CircuitBreaker;
  /** upstream clock minus local clock, from the last `Date` header seen (an object: shared with the per-request views) */
  private readonly clock = { skewMs: 0 };
  /** set on the per-request views made by `forRequest` */
  private readonly scope?: RequestScope;

  constructor(private readonly opts: UpstreamClientOptions) {
    this.http = new HttpTransport(opts.baseUrl, {
      ...(opts.maxBodyBytes !== undefined && { maxBodyBytes: opts.maxBodyBytes }),
    });
    this.breaker = opts.breaker ?? new CircuitBreaker({ threshold: 5, cooldownMs: 5000 });
    this.guard = new CallGuard({
      breaker: this.breaker,
      keyGate: opts.keyGate ?? new KeyGate({ maxConcurrent: 16, maxQueued: 256 }),
      keyIdOf: opts.keyIdOf,
      ...(opts.onCall && { onCall: opts.onCall }),
    });
  }

  /**
   * A view of this client that records the calls it makes into `scope` (for the request's log
   * line). It shares everything else: connections, breaker, key lanes, clock skew.
   */
  forRequest(scope: RequestScope): UpstreamClient {
    return Object.create(this, { scope: { value: scope } }) as UpstreamClient;
  }

  /** The upstream's clock now, as far as its `Date` headers tell (1 s resolution). */
  upstreamNow(): number {
    return Date.now() + this.clock.skewMs;
  }

  getBalance(key: string): Promise<Balance> {
    return this.call(
      { route: "GET /wallet/balance", key },
      { method: "GET", path: "/wallet/balance" },
      balanceSchema,
    );
  }

  /** `POST /activations`: charges at once. Never retried; an ambiguous failure is flagged as such. */
  buy(
    key: string,
    order: { serviceCode: string; countryIso: string; operator?: string | undefined },
  ): Promise<Activation> {
    const body = {
      serviceCode: order.serviceCode,
      countryIso: order.countryIso,
      ...(order.operator && { operator: order.operator }),
    };
    const timeoutMs = this.opts.purchaseTimeoutMs ?? this.opts.timeoutMs;
    return this.call(
      { route: "POST /activations", key, ...this.write(timeoutMs) },
      { method: "POST", path: "/activations", body, timeoutMs },
      activationSchema,
    );
  }

  /**
   * `priority`: `"write"` for the read a write depends on (it waits out a 429 back-off as the write
   * would), `"background"` for the tracker's (the first to back off).
   */
  getActivation(key: string, id: string, opts: { priority?: CallPriority } = {}): Promise<Activation> {
    const path = `/activations/${encodeURIComponent(id)}`;
    return this.call(
      { route: "GET /activations/:id", key, ...this.priority(opts.priority) },
      { method: "GET", path },
      activationSchema,
    );
  }

  /** A cancel returns the charge: it is made even while the breaker is open. */
  cancel(key: string, id: string): Promise<Activation> {
    const path = `/activations/${encodeURIComponent(id)}`;
    return this.call(
      { route: "DELETE /activations/:id", key, essential: true, ...this.write() },
      { method: "DELETE", path },
      activationSchema,
    );
  }

  complete(key: string, id: string): Promise<Activation> {
    const path = `/activations/${encodeURIComponent(id)}/complete`;
    return this.call(
      { route: "POST /activations/:id/complete", key, ...this.write() },
      { method: "POST", path },
      activationSchema,
    );
  }

  requestResend(key: string, id: string): Promise<Activation> {
    const path = `/activations/${encodeURIComponent(id)}/request-resend`;
    return this.call(
      { route: "POST /activations/:id/request-resend", key, ...this.write() },
      { method: "POST", path },
      activationSchema,
    );
  }

  /**
   * `essential`: a reconciliation's listing, made even while the breaker is open; `priority`
   * `"background"`: the tracker's refresh, the first to back off under a 429.
   */
  listActivations(
    key: string,
    query: ListActivationsQuery = {},
    opts: { essential?: boolean; priority?: CallPriority } = {},
  ): Promise<ActivationPage> {
    const params = new URLSearchParams({ limit: String(query.limit ?? 100) });
    if (query.cursor) params.set("cursor", query.cursor);
    if (query.status?.length) params.set("status", query.status.join(","));
    return this.call(
      {
        route: "GET /activations",
        key,
        ...(opts.essential && { essential: true }),
        ...this.priority(opts.priority),
      },
      { method: "GET", path: `/activations?${params}` },
      activationPageSchema,
    );
  }

  /** `GET /email-activations/domains`: unlike the SMS catalogue, it needs the key. */
  emailDomains(key: string, site: string): Promise<EmailDomain[]> {
    const path = `/email-activations/domains?${new URLSearchParams({ site })}`;
    return this.call(
      { route: "GET /email-activations/domains", key },
      { method: "GET", path },
      emailDomainListSchema,
    );
  }

  /** `POST /email-activations`: charges at once. Never retried; an ambiguous failure is flagged as such. */
  buyEmail(key: string, order: { site: string; domain: string }): Promise<EmailActivation> {
    const timeoutMs = this.opts.purchaseTimeoutMs ?? this.opts.timeoutMs;
    return this.call(
      { route: "POST /email-activations", key, ...this.write(timeoutMs) },
      {
        method: "POST",
        path: "/email-activations",
        body: { site: order.site, domain: order.domain },
        timeoutMs,
      },
      emailActivationSchema,
    );
  }

  getEmailActivation(
    key: string,
    id: string,
    opts: { priority?: CallPriority } = {},
  ): Promise<EmailActivation> {
    const path = `/email-activations/${encodeURIComponent(id)}`;
    return this.call(
      { route: "GET /email-activations/:id", key, ...this.priority(opts.priority) },
      { method: "GET", path },
      emailActivationSchema,
    );
  }

  /** Newest first, at most 100, no cursor (docs/native-api.md §10). `essential` as for listActivations. */
  listEmailActivations(
    key: string,
    opts: { limit?: number; essential?: boolean; priority?: CallPriority } = {},
  ): Promise<EmailActivation[]> {
    const path = `/email-activations?limit=${opts.limit ?? 100}`;
    return this.call(
      {
        route: "GET /email-activations",
        key,
        ...(opts.essential && { essential: true }),
        ...this.priority(opts.priority),
      },
      { method: "GET", path },
      emailActivationListSchema,
    );
  }

  /** Charged again: a write, never retried. */
  reorderEmail(key: string, id: string): Promise<EmailActivation> {
    const path = `/email-activations/${encodeURIComponent(id)}/reorder`;
    return this.call(
      { route: "POST /email-activations/:id/reorder", key, ...this.write() },
      { method: "POST", path },
      emailActivationSchema,
    );
  }

  /** A cancel returns the charge: it is made even while the breaker is open. */
  cancelEmail(key: string, id: string): Promise<EmailActivation> {
    const path = `/email-activations/${encodeURIComponent(id)}`;
    return this.call(
      { route: "DELETE /email-activations/:id", key, essential: true, ...this.write() },
      { method: "DELETE", path },
      emailActivationSchema,
    );
  }

  listServices(): Promise<Service[]> {
    return this.call({ route: "GET /services" }, { method: "GET", path: "/services" }, serviceListSchema);
  }

  listCountries(): Promise<Country[]> {
    return this.call({ route: "GET /countries" }, { method: "GET", path: "/countries" }, countryListSchema);
  }

  serviceCountries(code: string): Promise<Offer[]> {
    const path = `/services/${encodeURIComponent(code)}/countries`;
    return this.call(
      { route: "GET /services/:code/countries" },
      { method: "GET", path },
      serviceCountriesSchema,
    );
  }

  close(): void {
    this.http.close();
  }

  /** A write's place in its key's lane: first, and it may wait out a 429 back-off within its deadline. */
  private write(timeoutMs = this.opts.timeoutMs): Pick<GuardedCall, "priority" | "maxWaitMs"> {
    return { priority: "write", maxWaitMs: timeoutMs };
  }

  private priority(priority: CallPriority = "read"): Pick<GuardedCall, "priority" | "maxWaitMs"> {
    return priority === "write" ? this.write() : { priority };
  }

  private call<S extends z.ZodType>(call: GuardedCall, request: Request, schema: S): Promise<z.output<S>> {
    return this.guard.run(call, this.scope, () => this.send(call, request, schema));
  }

  /** One HTTP exchange: the answer parsed against `schema`, or an UpstreamError. */
  private async send<S extends z.ZodType>(
    call: GuardedCall,
    request: Request,
    schema: S,
  ): Promise<Answered<z.output<S>>> {
    const answer = await this.http.send({
      ...request,
      timeoutMs: request.timeoutMs ?? this.opts.timeoutMs,
      headers: call.key === undefined ? {} : { "x-api-key": call.key },
    });
    if (answer.date !== undefined && !Number.isNaN(answer.date)) this.clock.skewMs = answer.date - Date.now();
    if (answer.status < 200 || answer.status >= 300) {
      throw classifyHttpFailure(answer.status, answer.body, answer.retryAfter);
    }
    return { status: answer.status, value: parseBody(schema, answer.body, call.route) };
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
