import { textAtMost } from "../common/capped-body.js";
import { parseJsonOrUndefined } from "../common/json.js";

/**
 * The console's line to a sandbox upstream's control routes (docs/native-api.md §8.3), beside its
 * `/api/v1`. Answers are handed back as the sandbox gave them, except that nothing a route echoes
 * of an api key is passed on (callers pick the fields they show).
 */
export interface SandboxAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: sandbox JSON, read field by field by the callers
  body: any;
}

const TIMEOUT_MS = 5000;
/** The sandbox's control answers are small JSON; anything larger is not the sandbox. */
const ANSWER_MAX_BYTES = 8 * 1024 * 1024;
/** `PUT /sandbox/offers` answers once the gateways in front reloaded the service (at most 2 s). */
const OFFER_TIMEOUT_MS = 10_000;

export class SandboxLink {
  readonly origin: string;

  /** `upstreamUrl` is the native API base (`http://127.0.0.1:8081/api/v1`). */
  constructor(upstreamUrl: string) {
    this.origin = new URL(upstreamUrl).origin;
  }

  /**
   * Whether the upstream is a sandbox: its `GET /sandbox` lists the control routes. Asked once at
   * start; anything else (a 404 from a real upstream, no answer) means no.
   */
  static async detect(upstreamUrl: string, timeoutMs = 3000): Promise<SandboxLink | undefined> {
    const link = new SandboxLink(upstreamUrl);
    try {
      const answer = await link.send("GET", "/sandbox", undefined, timeoutMs);
      const routes: unknown = answer.body?.routes;
      const isSandbox =
        answer.status === 200 &&
        Array.isArray(routes) &&
        routes.some((r) => typeof r === "string" && r.includes("/sandbox/sms"));
      return isSandbox ? link : undefined;
    } catch {
      return undefined;
    }
  }

  deliverSms(upstreamId: string, text?: string): Promise<SandboxAnswer> {
    return this.send("POST", "/sandbox/sms", { activationId: upstreamId, ...(text && { text }) });
  }

  expire(upstreamId: string): Promise<SandboxAnswer> {
    return this.send("POST", `/sandbox/activations/${encodeURIComponent(upstreamId)}/expire`);
  }

  setOffer(offer: {
    serviceCode: string;
    countryIso: string;
    price?: string | undefined;
    stock?: number | undefined;
  }): Promise<SandboxAnswer> {
    return this.send("PUT", "/sandbox/offers", offer, OFFER_TIMEOUT_MS);
  }

  topUp(apiKey: string, amount: string): Promise<SandboxAnswer> {
    return this.send("POST", "/sandbox/accounts/top-up", { apiKey, amount });
  }

  createAccount(apiKey: string, balance: string): Promise<SandboxAnswer> {
    return this.send("POST", "/sandbox/accounts", { apiKey, balance });
  }

  setFaults(rules: unknown[]): Promise<SandboxAnswer> {
    return this.send("PUT", "/sandbox/faults", { rules });
  }

  faults(): Promise<SandboxAnswer> {
    return this.send("GET", "/sandbox/faults");
  }

  private async send(method: string, path: string, json?: unknown, timeoutMs = TIMEOUT_MS) {
    const res = await fetch(`${this.origin}${path}`, {
      method,
      headers: {
        accept: "application/json",
        ...(json !== undefined && { "content-type": "application/json" }),
      },
      ...(json !== undefined && { body: JSON.stringify(json) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = parseJsonOrUndefined(await textAtMost(res, ANSWER_MAX_BYTES));
    return { status: res.status, body } as SandboxAnswer;
  }
}
