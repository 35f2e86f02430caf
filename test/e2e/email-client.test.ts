import { describe, expect, it } from "vitest";
import { type RawAnswer, rawRequest, usePair, withGatewayAndSandbox } from "../helpers/gateway.js";
import { DEMO_API_KEY, type Json } from "../helpers/sandbox.js";

/**
 * Acceptance: SMS-Activate's email-activation client library `maxim-smirnov/sms-activate-email`
 * (commit 356c08e), V1 (handler_api actions) and V2 (REST under /api/v2), replayed request by
 * request against a real gateway over loopback HTTP in front of a real sandbox (real clock, the
 * mail arrives by itself shortly after a purchase).
 *
 * Each step sends exactly what the library sends (method, path, where each parameter goes, the
 * headers) and checks the answer exactly as the library does: the keys it indexes, the conditions
 * under which it raises. `client.py:N` is `sms_activate_email/client.py` at 356c08e; the behaviour is
 * written up in docs/client-compatibility.md#email-activations. No library code is copied: the
 * checks below re-state its behaviour in TypeScript.
 */

const KEY = DEMO_API_KEY;
const BAD_KEY = "ffffffffffffffffffffffffffffffff";
/** The site the mail comes from, as in the library's README and SMS-Activate's examples. */
const SITE = "telegram.com";
const UNKNOWN_DOMAIN = "no-such-domain.invalid";
const UA = "python-sms-activate-email/0.2"; // client.py:200, client.py:330
/** The sandbox's delay before the mail arrives: long enough to see the mailbox waiting first. */
const MAIL_DELAY_MS = 1500;
/** The library's polling defaults are 10 attempts 5 s apart (client.py:298, client.py:413); tests poll faster. */
const POLL = { periodMs: 100, attempts: 100 };

const pair = usePair(() =>
  withGatewayAndSandbox({
    sandbox: { clock: "real", config: { autoSms: true, smsDelayMs: MAIL_DELAY_MS } },
    gateway: { env: { STATUS_CACHE_MS: "0", TRACK_INTERVAL_MS: "0" } },
  }),
);

// ---------------------------------------------------------------------------------------------
// What the library raises (errors.py; all subclasses of SMSActivateError), plus the Python
// errors it lets escape: KeyError (a dict indexed on a missing key) and the built-in TimeoutError.

type Raised =
  | "SMSActivateError"
  | "BadAPIKeyError"
  | "BadActionError"
  | "BadBalanceError"
  | "BadSiteError"
  | "BadDomainError"
  | "ChannelsLimitError"
  | "ActivationNotFoundError"
  | "WaitingForMessageError"
  | "KeyError"
  | "TimeoutError"
  | "TypeError";

class LibraryRaised extends Error {
  constructor(
    readonly raised: Raised,
    detail = "",
  ) {
    super(`the library would raise ${raised}${detail ? `: ${detail}` : ""}`);
  }
}

const isDict = (v: unknown): v is Record<string, Json> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Python's `d[key]`: the value, or KeyError when the key is absent (a null value is fine). */
function index(d: Json, key: string): Json {
  if (!isDict(d)) throw new LibraryRaised("TypeError", `indexing ${JSON.stringify(d)} with ${key}`);
  if (!(key in d)) throw new LibraryRaised("KeyError", `${key} in ${JSON.stringify(d)}`);
  return d[key];
}

/** Python's `for x in value`: a list (the library never iterates anything else here). */
function iterate(v: Json): Json[] {
  if (!Array.isArray(v)) throw new LibraryRaised("TypeError", `iterating ${JSON.stringify(v)}`);
  return v;
}

/** `requests.Response.json()`: the parsed body, or the library's "Bad json" (client.py:213-216, :340-343). */
function parseJson(res: RawAnswer): Json {
  const text = res.body.toString("utf8");
  try {
    return JSON.parse(text);
  } catch {
    throw new LibraryRaised("SMSActivateError", `Bad json: ${JSON.stringify(text)}`);
  }
}

/** The query string `requests` builds: parameters in order, `None` values left out. */
function query(params: [string, string | number | undefined][]): string {
  const q = new URLSearchParams();
  for (const [k, v] of params) if (v !== undefined) q.append(k, String(v));
  return q.toString();
}

interface Domain {
  name: string;
  /** EmailDomainType: 1 = zones, 2 = popular (client.py:20-25) */
  type: 1 | 2;
  cost: Json;
  count: Json;
}

/** EmailActivation (client.py:58-111): id and email always, the rest only from a history listing. */
interface Activation {
  id: Json;
  email: Json;
  site?: Json;
  status?: Json;
  value?: Json;
  cost?: Json;
  date?: Json;
  full_message?: Json;
}

const HISTORY_KEYS = ["id", "email", "site", "status", "value", "cost", "date", "full_message"] as const;

/** A history entry as the library builds it: every one of the eight keys indexed (client.py:270-279, :385-394). */
function fromHistory(entry: Json): Activation {
  const a = {} as Activation;
  for (const k of HISTORY_KEYS) a[k] = index(entry, k);
  return a;
}

/** One library client, V1 or V2, with the polling loop's bookkeeping exposed for assertions. */
interface LibraryClient {
  getAvailableDomains(site: string): Promise<Domain[]>;
  buyEmailActivation(site: string, domain: Domain): Promise<Activation>;
  /** get_text: resolves with the text, or rejects as the library would; `polls` counts the checks. */
  getText(a: Activation, periodMs?: number, attempts?: number): Promise<{ text: Json; polls: number }>;
  getEmailActivations(page?: number, perPage?: number, search?: string, sort?: string): Promise<Activation[]>;
  reactivate(a: Activation): Promise<true>;
  cancel(a: Activation): Promise<true>;
  /** One status check without the loop: the parsed activation (to see the mailbox waiting). */
  check(a: Activation): Promise<Json>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// V1: SMSActivateEmailClientV1, every call a GET on the one base URL with everything in the query.

/** SMSActivateEmailClientV1._response_to_dict (client.py:204-239). */
function v1Answer(res: RawAnswer): Json {
  if (res.status !== 200) throw new LibraryRaised("SMSActivateError", `Bad status code: ${res.status}`); // client.py:210-211
  const d = parseJson(res); // client.py:213-216
  if (!isDict(d)) throw new LibraryRaised("TypeError", `'error' in / .get on ${JSON.stringify(d)}`); // client.py:218, :236
  if ("error" in d) {
    // client.py:218-234
    const map: Record<string, Raised> = {
      BAD_KEY: "BadAPIKeyError",
      BAD_ACTION: "BadActionError",
      BAD_BALANCE: "BadBalanceError",
      BAD_SITE: "BadSiteError",
      BLOCKED_SITE: "BadSiteError",
      MAIL_TYPE_ERROR: "BadDomainError",
      CHANNELS_LIMIT: "ChannelsLimitError",
      ACTIVATION_NOT_FOUND: "ActivationNotFoundError",
      NO_ACTIVATION: "ActivationNotFoundError",
      WAIT_LINK: "WaitingForMessageError",
    };
    const raised = map[d.error as string];
    if (raised) throw new LibraryRaised(raised, JSON.stringify(d));
  }
  if (d.status !== "OK") throw new LibraryRaised("SMSActivateError", `Bad status: ${JSON.stringify(d)}`); // client.py:236-237
  return index(d, "response"); // client.py:239
}

function v1Client(baseUrl: string, apiKey: string): LibraryClient {
  // client.py:199-201: headers replaced by the User-Agent alone; api_key a session-wide query parameter, first.
  const get = async (params: [string, string | number | undefined][]) =>
    v1Answer(
      await rawRequest(`${baseUrl}?${query([["api_key", apiKey], ...params])}`, {
        headers: { "user-agent": UA },
      }),
    );

  const check = (a: Activation) =>
    get([
      ["action", "checkMailActivation"],
      ["id", a.id],
    ]); // client.py:300

  return {
    async getAvailableDomains(site) {
      const r = await get([
        ["action", "getDomains"],
        ["site", site],
      ]); // client.py:242-243
      const out: Domain[] = [];
      // client.py:244-259: zones (type 1) then popular (type 2), both optional; name and cost indexed, count optional
      for (const [key, type] of [
        ["zones", 1],
        ["popular", 2],
      ] as const) {
        if (!isDict(r)) throw new LibraryRaised("TypeError", "response.get on a non-dict");
        for (const d of key in r ? iterate(r[key]) : []) {
          out.push({
            name: index(d, "name"),
            type,
            cost: index(d, "cost"),
            count: "count" in d ? d.count : -1,
          });
        }
      }
      return out;
    },
    async buyEmailActivation(site, domain) {
      // client.py:287-291: site, mail_type (the domain's type), mail_domain
      const r = await get([
        ["action", "buyMailActivation"],
        ["site", site],
        ["mail_type", domain.type],
        ["mail_domain", domain.name],
      ]);
      return { id: index(r, "id"), email: index(r, "email") }; // client.py:292
    },
    async getText(a, periodMs = 5000, attempts = 10) {
      // client.py:298-306: exits as soon as the KEY full_message is present, whatever its value
      for (let i = 0; i < attempts; i++) {
        const r = await check(a); // client.py:300-301
        if (isDict(r) && "full_message" in r) {
          a.full_message = r.full_message; // client.py:303
          return { text: r.full_message, polls: i + 1 }; // client.py:304
        }
        if (!isDict(r)) throw new LibraryRaised("TypeError", "'full_message' in a non-container");
        await sleep(periodMs); // client.py:305
      }
      throw new LibraryRaised("TimeoutError", "Timed out waiting for text"); // client.py:306
    },
    async getEmailActivations(page = 1, perPage = 10, search, sort = "desc") {
      // client.py:263-267: page, per_page, search (left out when None), sort
      const r = await get([
        ["action", "getMailHistory"],
        ["page", page],
        ["per_page", perPage],
        ["search", search],
        ["sort", sort],
      ]);
      return iterate(index(r, "list")).map(fromHistory); // client.py:269-279
    },
    async reactivate(a) {
      const r = await get([
        ["action", "reorderMailActivation"],
        ["id", a.id],
      ]); // client.py:309-310
      // client.py:311: the activation is re-initialised with the answered id and email; the rest reset
      const fresh: Activation = { id: index(r, "id"), email: index(r, "email") };
      for (const k of HISTORY_KEYS) delete a[k];
      Object.assign(a, fresh);
      return true;
    },
    async cancel(a) {
      await get([
        ["action", "cancelMailActivation"],
        ["id", a.id],
      ]); // client.py:315-317
      return true;
    },
    check,
  };
}

// ---------------------------------------------------------------------------------------------
// V2: SMSActivateEmailClientV2, REST, the key in X-API-Key, no request body ever.

/** SMSActivateEmailClientV2._response_to_dict (client.py:333-362). */
function v2Answer(res: RawAnswer): Json {
  const d = parseJson(res); // client.py:340-343: JSON first, whatever the status (an empty 204 fails here)
  if (res.status >= 400) {
    // client.py:345-358: `title` indexed (KeyError without it), then mapped; anything else is generic
    const title = index(d, "title");
    const map: Record<string, Raised> = {
      BAD_API_KEY: "BadAPIKeyError",
      BAD_BALANCE: "BadBalanceError",
      BAD_SITE: "BadSiteError",
      BLOCKED_SITE: "BadSiteError",
      BAD_DOMAIN: "BadDomainError",
      CHANNELS_LIMIT: "ChannelsLimitError",
      STATUS_WAIT_CODE: "WaitingForMessageError",
    };
    throw new LibraryRaised(map[title as string] ?? "SMSActivateError", `${res.status} ${JSON.stringify(d)}`);
  }
  // client.py:359-360 (404 → ActivationNotFoundError) cannot be reached: a 404 is not `ok`.
  return index(d, "data"); // client.py:362
}

function v2Client(baseUrl: string, apiKey: string): LibraryClient {
  const base = baseUrl.replace(/\/+$/, ""); // client.py:327
  const headers = { "user-agent": UA, "x-api-key": apiKey }; // client.py:330
  const send = async (method: string, path: string, params: [string, string | number | undefined][] = []) => {
    const qs = query(params);
    return v2Answer(await rawRequest(`${base}${path}${qs ? `?${qs}` : ""}`, { method, headers }));
  };
  const check = (a: Activation) => send("GET", `/emails/${a.id}`); // client.py:415

  return {
    async getAvailableDomains(site) {
      const data = await send("GET", "/domains", [["site", site]]); // client.py:365-366: /domains, not /emails/domains
      // client.py:367-374: a list; name and cost indexed, count optional; all type 2 (popular)
      return iterate(data).map((d) => ({
        name: index(d, "name"),
        type: 2 as const,
        cost: index(d, "cost"),
        count: isDict(d) && "count" in d ? d.count : -1,
      }));
    },
    async buyEmailActivation(site, domain) {
      // client.py:402-406: POST with site and mailDomain in the QUERY, no body
      const data = await send("POST", "/emails", [
        ["site", site],
        ["mailDomain", domain.name],
      ]);
      return { id: index(data, "id"), email: index(data, "email") }; // client.py:407
    },
    async getText(a, periodMs = 5000, attempts = 10) {
      // client.py:413-421: exits when data.get('full_message') is TRUTHY (missing, null, "" keep waiting)
      for (let i = 0; i < attempts; i++) {
        const data = await check(a); // client.py:415-416
        if (!isDict(data)) throw new LibraryRaised("TypeError", ".get on a non-dict");
        if (data.full_message) {
          a.full_message = data.full_message; // client.py:418
          return { text: data.full_message, polls: i + 1 }; // client.py:419
        }
        await sleep(periodMs); // client.py:420
      }
      throw new LibraryRaised("TimeoutError", "Timed out waiting for text"); // client.py:421
    },
    async getEmailActivations(page = 1, perPage = 10, search, sort = "desc") {
      // client.py:378-382: GET /emails with page, per_page (not size), search (left out when None), sort
      const data = await send("GET", "/emails", [
        ["page", page],
        ["per_page", perPage],
        ["search", search],
        ["sort", sort],
      ]);
      return iterate(data).map(fromHistory); // client.py:384-394
    },
    async reactivate(a) {
      await send("POST", `/emails/${a.id}/reorder`); // client.py:424-426: the answer is ignored, the id kept
      return true;
    },
    async cancel(a) {
      await send("DELETE", `/emails/${a.id}`); // client.py:430-432: a JSON body with `data` is required
      return true;
    },
    check,
  };
}

// ---------------------------------------------------------------------------------------------

async function emailPurchases(): Promise<number> {
  const stats = (await pair.sb.raw("/sandbox/stats")).body;
  expect(typeof stats.emailPurchases).toBe("number");
  return stats.emailPurchases as number;
}

async function balance(): Promise<string> {
  return pair.gw.call({ api_key: KEY, action: "getBalance" });
}

async function raised(p: Promise<unknown>): Promise<Raised | "nothing"> {
  try {
    await p;
    return "nothing";
  } catch (err) {
    if (err instanceof LibraryRaised) return err.raised;
    throw err;
  }
}

const VARIANTS: [string, (url: string, key: string) => LibraryClient, (gwUrl: string) => string][] = [
  // client.py:191: the V1 base URL is the whole handler_api.php URL
  ["V1 (handler_api.php)", v1Client, (u) => `${u}/stubs/handler_api.php`],
  // client.py:321: the V2 base URL ends in /api/v2
  ["V2 (/api/v2)", v2Client, (u) => `${u}/api/v2/`],
];

describe.each(VARIANTS)("sms-activate-email %s, its whole flow", (_name, makeClient, baseOf) => {
  const client = () => makeClient(baseOf(pair.gw.url), KEY);
  // One state across the steps, in order, as a script using the library would have.
  const state = {} as { domain: Domain; activation: Activation; text: Json; purchases: number };

  it("get_available_domains: at least one domain, each with the keys the library indexes", async () => {
    const domains = await client().getAvailableDomains(SITE);
    expect(domains.length).toBeGreaterThan(0);
    for (const d of domains) {
      expect(typeof d.name).toBe("string");
      expect(typeof d.cost).toBe("number");
    }
    // A domain the script can buy in: a popular one (mail_type=2 in V1, client.py:289).
    const popular = domains.filter((d) => d.type === 2);
    expect(popular.length).toBeGreaterThan(0);
    state.domain = popular[0]!;
  });

  it("buy_email_activation: an integer id and an address, one purchase upstream, the mailbox waiting", async () => {
    state.purchases = await emailPurchases();
    const a = await client().buyEmailActivation(SITE, state.domain);
    expect(Number.isInteger(a.id)).toBe(true);
    expect(a.id).toBeGreaterThan(0);
    expect(a.email).toMatch(/^[^@\s]+@[^@\s]+$/);
    expect(await emailPurchases()).toBe(state.purchases + 1);
    state.activation = a;
    // Before the mail arrives, a check must not end the library's loop: V1 needs NO full_message key
    // (client.py:302), V2 a falsy one (client.py:417). The sandbox delivers after MAIL_DELAY_MS.
    const waiting = await client().check(a);
    if (makeClient === v1Client) expect(waiting).not.toHaveProperty("full_message");
    else expect(waiting.full_message ?? null).toBeFalsy();
  });

  it("get_text: polls until the message is in, well inside the library's default 10 × 5 s", async () => {
    const started = Date.now();
    const { text, polls } = await client().getText(state.activation, POLL.periodMs, POLL.attempts);
    expect(typeof text).toBe("string");
    expect(text.length).toBeGreaterThan(0);
    expect(polls).toBeGreaterThan(1); // it did wait
    expect(Date.now() - started).toBeLessThan(45_000);
    state.text = text;
  }, 60_000);

  it("get_email_activations: the purchase is listed with all eight keys the library indexes", async () => {
    const c = client();
    // The defaults: page=1, per_page=10, no search, sort=desc (client.py:155, :263-266, :378-381).
    const list = await c.getEmailActivations();
    const mine = list.find((x) => x.id === state.activation.id);
    expect(mine).toBeDefined();
    expect(mine!.email).toBe(state.activation.email);
    expect(mine!.site).toBe(SITE);
    expect(mine!.full_message).toBe(state.text);
    // sort=desc: newest (highest id) first.
    const ids = list.map((x) => x.id as number);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    // search by the address (sent only when given).
    const found = await c.getEmailActivations(1, 10, state.activation.email as string);
    expect(found.map((x) => x.id)).toContain(state.activation.id);
    for (const x of found) expect(x.email).toBe(state.activation.email);
  });

  it("reactivate, then get_text again: the same address waits for and gets a new message", async () => {
    const c = client();
    const before = { ...state.activation };
    await c.reactivate(state.activation);
    // V1 re-initialises the activation from the answer (client.py:311); the gateway answers the same
    // id and the same address. V2 ignores the answer and keeps polling the old id (client.py:424-426).
    expect(state.activation.id).toBe(before.id);
    expect(state.activation.email).toBe(before.email);
    // Right after the reorder the mailbox waits again: otherwise the library's next get_text would
    // return the previous message at once (V1: the key present, client.py:302; V2: truthy, :417).
    const waiting = await c.check(state.activation);
    if (makeClient === v1Client) expect(waiting).not.toHaveProperty("full_message");
    else expect(waiting.full_message ?? null).toBeFalsy();
    const { text, polls } = await c.getText(state.activation, POLL.periodMs, POLL.attempts);
    expect(typeof text).toBe("string");
    expect(text.length).toBeGreaterThan(0);
    expect(polls).toBeGreaterThan(1);
  }, 60_000);

  it("cancel: a fresh purchase is cancelled without an error", async () => {
    const c = client();
    const before = await emailPurchases();
    const a = await c.buyEmailActivation(SITE, state.domain);
    expect(await emailPurchases()).toBe(before + 1);
    expect(await c.cancel(a)).toBe(true); // client.py:314-317 / :429-432: any success envelope
  });

  it("an unknown key: the library's bad-key error, nothing bought", async () => {
    const bad = makeClient(baseOf(pair.gw.url), BAD_KEY);
    const before = await emailPurchases();
    // V1: {"error":"BAD_KEY"} (client.py:219-220); V2: status ≥ 400 and title BAD_API_KEY (client.py:346-347).
    expect(await raised(bad.getAvailableDomains(SITE))).toBe("BadAPIKeyError");
    expect(await raised(bad.buyEmailActivation(SITE, state.domain))).toBe("BadAPIKeyError");
    expect(await raised(bad.getEmailActivations())).toBe("BadAPIKeyError");
    expect(await emailPurchases()).toBe(before);
  });

  it("an unknown domain: the library's bad-domain error, nothing bought, nothing charged", async () => {
    const before = { purchases: await emailPurchases(), balance: await balance() };
    const unknown: Domain = { name: UNKNOWN_DOMAIN, type: 2, cost: -1, count: -1 };
    // V1: {"error":"MAIL_TYPE_ERROR"} (client.py:227-228); V2: status ≥ 400 and title BAD_DOMAIN (client.py:352-353).
    expect(await raised(client().buyEmailActivation(SITE, unknown))).toBe("BadDomainError");
    expect(await emailPurchases()).toBe(before.purchases);
    expect(await balance()).toBe(before.balance);
  });
});
