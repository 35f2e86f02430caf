/**
 * THE checks table: every check the conformance tool runs, in order, each with its stable name,
 * what it sends, what it expects, and which real clients break when it fails (measured against
 * nine published client libraries). Adding a check is adding one entry here.
 *
 * Token and shape checks compare the answer without a BOM and surrounding whitespace, and ignore
 * the HTTP status and content type: those habits are reported once, by the `answers.*` checks at
 * the end (which look at every answer of the run), so one wrong habit fails one check.
 */
import { readFixture } from "../fixtures.js";
import {
  beforeBuying,
  cancel,
  complete,
  getBalance,
  offerIn,
  settle,
  summarize,
  waitForCode,
} from "./activation.js";
import {
  type Check,
  type CheckContext,
  type Expectation,
  fail,
  type Purchase,
  pass,
  skip,
  type Verdict,
} from "./context.js";
import { EMAIL_BUY_CHECKS } from "./email-buy-checks.js";
import { EMAIL_ANSWER_CHECKS, EMAIL_READ_CHECKS } from "./email-checks.js";
import {
  ACCESS_NUMBER,
  BOM,
  describeExchange,
  type Exchange,
  enc,
  INT32_MAX,
  INTEGER_KEY,
  isObject,
  KEY_REFUSED,
  money,
  parseBalance,
  parseJson,
  type RequestSpec,
  shown,
} from "./wire.js";

/** A service code no provider uses (not in SMS-Activate's list of ~700 codes). */
export const UNKNOWN_SERVICE = "zzq9";
/** A country id SMS-Activate never assigned. */
const UNKNOWN_COUNTRY = "9999";
/** An activation id nobody holds (within 32 bits, so only "unknown" can explain a refusal). */
const UNKNOWN_ID = "2147483646";

/** The keys of getNumbersStatus that a Python client indexes unconditionally. */
export function fixedStatusKeys(): string[] {
  return readFixture("legacy-fixed-keys.txt")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

/** SMS-Activate's country ids that clients ship in their tables, checked by the English name. */
const CANONICAL_COUNTRIES: readonly { id: string; name: string; eng: RegExp }[] = [
  { id: "0", name: "Russia", eng: /^russia(n federation)?$/i },
  { id: "6", name: "Indonesia", eng: /^indonesia$/i },
  { id: "16", name: "United Kingdom", eng: /^(united kingdom|great britain|uk|england)$/i },
  { id: "62", name: "Turkey", eng: /^(turkey|türkiye|turkiye)$/i },
  { id: "187", name: "USA", eng: /^(usa|united states( of america)?)$/i },
  { id: "12", name: "USA (virtual)", eng: /^(usa|united states).*virtual|^virtual.*(usa|united states)/i },
];

// ---- requests the checks share (catalogue reads are made once per run) ----

const getBalanceReq = (c: CheckContext): RequestSpec => ({ query: `${c.k}&action=getBalance` });
const catalogue = {
  getCountries: (c: CheckContext): RequestSpec => ({ query: `${c.k}&action=getCountries`, reuse: true }),
  getPrices: (c: CheckContext): RequestSpec => ({ query: `${c.k}&action=getPrices`, reuse: true }),
  getNumbersStatus: (c: CheckContext): RequestSpec => ({
    query: `${c.k}&action=getNumbersStatus&country=0`,
    reuse: true,
  }),
  getTopCountriesByService: (c: CheckContext): RequestSpec => ({
    query: `${c.k}&action=getTopCountriesByService&service=${enc(c.target.service)}`,
    reuse: true,
  }),
};

// ---- expectations ----

/** The whole answer is exactly one of these tokens. */
const token =
  (...want: string[]): Expectation =>
  (a) =>
    want.includes(a.body) || `expected ${want.join(" or ")}`;

const balanceAnswer: Expectation = (a) =>
  /^ACCESS_BALANCE:/.test(a.body) || "expected ACCESS_BALANCE:<amount> (the same call as a plain GET)";

/** The answer as a JSON object; a refused key is a SKIP (reported by catalogue.good-key-accepted). */
function jsonObject(a: Exchange): { json: Record<string, unknown> } | { verdict: Verdict } {
  if (KEY_REFUSED.has(a.body)) {
    return {
      verdict: skip(`answered ${a.body} to the key: not checkable (reported by catalogue.good-key-accepted)`),
    };
  }
  const json = parseJson(a.body);
  if (!isObject(json)) return { verdict: fail(`expected a JSON object, got ${shown(a.body, 40)}`) };
  return { json };
}

/** Runs `shape` on a JSON-object answer; collects at most a few problems. */
const objectShape =
  (shape: (json: Record<string, unknown>, ctx: CheckContext, problems: string[]) => string): Expectation =>
  (a, ctx) => {
    const r = jsonObject(a);
    if ("verdict" in r) return r.verdict;
    const problems: string[] = [];
    const ok = shape(r.json, ctx, problems);
    if (problems.length === 0) return pass(ok);
    const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : "";
    return problems.slice(0, 3).join("; ") + more;
  };

const isInt = (v: unknown): boolean => typeof v === "number" && Number.isInteger(v);
const isCount = (v: unknown): boolean =>
  (typeof v === "number" && Number.isInteger(v) && v >= 0) || (typeof v === "string" && /^\d+$/.test(v));
const j = (v: unknown): string => JSON.stringify(v) ?? "undefined";

// ---- answer-wide checks: every answer of the run so far ----

function everyAnswer(
  ctx: CheckContext,
  problem: (a: Exchange) => string | undefined,
  okText: (n: number) => string,
): Verdict {
  const answered = ctx.exchanges.filter((e) => e.status !== undefined);
  const bad = answered.flatMap((e) => {
    const p = problem(e);
    return p === undefined ? [] : [{ sent: e.sent, line: `${describeExchange(e)} (${p})` }];
  });
  if (bad.length === 0) return pass(okText(answered.length));
  // Two examples from different requests.
  const examples = bad.filter((b, i) => bad.findIndex((x) => x.sent === b.sent) === i).slice(0, 2);
  const more = bad.length > examples.length ? `; and ${bad.length - examples.length} more` : "";
  return fail(
    `${bad.length} of ${answered.length} answers: ${examples.map((b) => b.line).join("; ")}${more}`,
  );
}

// ---- activation helpers ----

const isVerdict = (v: unknown): v is Verdict => isObject(v) && typeof v.result === "string";
const NOT_BOUGHT = new Set(["NO_NUMBERS", "NO_BALANCE"]);

interface Bought {
  ex: Exchange;
  seen: string;
  price: number;
  purchase: Purchase | undefined;
}

/**
 * Buys the target with `action` within what is left of --max-spend and records the price paid on
 * the purchase; a SKIP when nothing is bought (over budget, no numbers, no balance).
 */
async function buyWithinBudget(
  ctx: CheckContext,
  action: "getNumber" | "getNumberV2",
): Promise<Bought | Verdict> {
  const budget = await beforeBuying(ctx, action);
  if (isVerdict(budget)) return budget;
  const { service, country } = ctx.target;
  const ex = await ctx.send({
    query: `${ctx.k}&action=${action}&service=${enc(service)}&country=${enc(country)}&maxPrice=${budget.maxPrice}`,
    purchase: true,
  });
  const seen = describeExchange(ex);
  if (/^WRONG_MAX_PRICE:/.test(ex.body))
    return skip(`${seen} — the current price is above what is left of --max-spend: nothing bought`);
  const purchase = ctx.purchases.find((x) => x.via === action);
  if (purchase) purchase.cost ??= budget.price;
  if (NOT_BOUGHT.has(ex.body)) return skip(`${seen} — nothing bought`);
  return { ex, seen, price: budget.price, purchase };
}
const bought = (ctx: CheckContext): Purchase[] =>
  ctx.purchases.filter((p) => p.via === "getNumber" || p.via === "getNumberV2");
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export const CHECKS: readonly Check[] = [
  // ---------------- transport: the request shapes real clients send ----------------
  {
    name: "transport.get-query",
    phase: "read",
    breaks: "most clients send GET with a query string: every call fails",
    request: getBalanceReq,
    expect: balanceAnswer,
  },
  {
    name: "transport.post-query-empty-body",
    phase: "read",
    breaks:
      "two clients (axios POST with params, aiohttp POST) send everything in the query with an empty body: every call fails",
    request: (c) => ({ method: "POST", query: `${c.k}&action=getBalance`, form: "" }),
    expect: balanceAnswer,
  },
  {
    name: "transport.post-form-body",
    phase: "read",
    breaks: "the official PHP class POSTs getNumber and setStatus as a form body: it cannot buy or confirm",
    request: (c) => ({ method: "POST", form: `${c.k}&action=getBalance` }),
    expect: balanceAnswer,
  },
  {
    name: "transport.trailing-slash-path",
    phase: "read",
    breaks: "the Ruby gem calls …/handler_api.php/ (with a trailing slash): every call fails",
    request: (c) => ({ path: "trailing-slash", query: `${c.k}&action=getBalance` }),
    expect: balanceAnswer,
  },
  {
    name: "transport.gzip",
    phase: "read",
    breaks:
      "a C# client sends Accept-Encoding: gzip and always gunzips the body (it ignores Content-Encoding): every call fails",
    request: (c) => ({ query: `${c.k}&action=getBalance`, headers: { "accept-encoding": "gzip" } }),
    expect: (a, c) => {
      const magic = a.raw.subarray(0, 2).toString("hex");
      if (magic !== "1f8b" || !/gzip/i.test(a.contentEncoding)) {
        return `not gzipped (Content-Encoding: ${a.contentEncoding || "none"}, first bytes ${magic || "none"})`;
      }
      if (a.decodeError) return a.decodeError;
      return balanceAnswer(a, c) === true
        ? pass(`gzip, ${a.raw.length} bytes`)
        : "gzipped, but not ACCESS_BALANCE inside";
    },
  },
  {
    name: "transport.undefined-dropped",
    phase: "read",
    breaks:
      "a Node client sends absent parameters as the literal string undefined (country=undefined, operator=undefined): its calls are refused or go to the wrong country",
    request: (c) => ({
      query: `${c.k}&action=getPrices&service=${enc(c.target.service)}&country=undefined&operator=undefined`,
    }),
    expect: objectShape((json, ctx, problems) => {
      const keys = Object.keys(json);
      if (keys.length === 0) problems.push("an empty object: country=undefined was taken as a country");
      const badKey = keys.find((k) => !INTEGER_KEY.test(k));
      if (badKey !== undefined) problems.push(`key ${j(badKey)} is not a country id`);
      return `country=undefined taken as absent: prices of ${ctx.target.service} in ${keys.length} countries`;
    }),
  },
  {
    name: "transport.dollar-freeprice-ignored",
    phase: "read",
    breaks: "a Python client sends a parameter named $freePrice: its calls are refused",
    request: (c) => ({ query: `${c.k}&action=getBalance&$freePrice=true` }),
    expect: balanceAnswer,
  },

  // ---------------- protocol errors: exact tokens ----------------
  {
    name: "errors.bad-key",
    phase: "read",
    breaks:
      "clients look a wrong key up in their token table (exact match): anything but BAD_KEY is an unknown answer, so a bot with a wrong key retries forever or crashes",
    request: (c) => ({ query: `${c.wrongK}&action=getBalance` }),
    expect: token("BAD_KEY"),
  },
  {
    name: "errors.no-key",
    phase: "read",
    breaks: "clients map NO_KEY by exact match: anything else is an unknown answer",
    request: () => ({ query: "action=getBalance" }),
    expect: token("NO_KEY"),
  },
  {
    name: "errors.empty-key",
    phase: "read",
    breaks: "a Node client sends empty values (api_key=): anything but NO_KEY is an unknown answer",
    request: () => ({ query: "api_key=&action=getBalance" }),
    expect: token("NO_KEY"),
  },
  {
    name: "errors.no-action",
    phase: "read",
    breaks: "clients map NO_ACTION by exact match: anything else is an unknown answer",
    request: (c) => ({ query: c.k }),
    expect: token("NO_ACTION"),
  },
  {
    name: "errors.bad-action",
    phase: "read",
    breaks:
      "clients call actions a provider may not offer (rent, multi-service) and expect BAD_ACTION: anything else is an unknown answer",
    request: (c) => ({ query: `${c.k}&action=getNoSuchAction` }),
    expect: token("BAD_ACTION"),
  },
  {
    name: "errors.no-activation",
    phase: "read",
    breaks: "clients stop polling an id on NO_ACTIVATION: anything else makes them poll forever or crash",
    request: (c) => ({ query: `${c.k}&action=getStatus&id=${UNKNOWN_ID}` }),
    expect: token("NO_ACTIVATION"),
  },
  {
    name: "errors.malformed-id",
    phase: "read",
    breaks: "a malformed id must get a protocol token (not a crash page): clients match the token exactly",
    request: (c) => ({ query: `${c.k}&action=getStatus&id=abc` }),
    expect: token("NO_ACTIVATION", "WRONG_ACTIVATION_ID"),
  },

  // ---------------- balance ----------------
  {
    name: "balance.format",
    phase: "read",
    breaks:
      "a Python client matches ACCESS_BALANCE:(\\d+\\.\\d{2}) and fails otherwise; a C# client parses it in the ru-RU culture (no thousands separators)",
    request: getBalanceReq,
    expect: (a) =>
      /^ACCESS_BALANCE:\d+\.\d{2}$/.test(a.body) || "expected ACCESS_BALANCE:<digits>.<2 digits>",
  },

  // ---------------- catalogue shapes ----------------
  {
    name: "catalogue.good-key-accepted",
    phase: "read",
    breaks:
      "clients send their key on every call: a BAD_KEY on catalogue calls makes them report a wrong key, and a Node client that fetches getCountries on construction crashes",
    run: async (ctx) => {
      const answers = await Promise.all(Object.values(catalogue).map((req) => ctx.send(req(ctx))));
      const refused = answers.filter((a) => KEY_REFUSED.has(a.body));
      if (refused.length > 0) return fail(refused.map((a) => describeExchange(a)).join("; "));
      return pass(
        "getCountries, getPrices, getNumbersStatus, getTopCountriesByService: none refused the key",
      );
    },
  },
  {
    name: "catalogue.getCountries-shape",
    phase: "read",
    breaks:
      "the Java client requires numeric flags (visible, retry, rent, multiService) and integer ids; a Node client fetches getCountries on construction and crashes the process if it fails",
    request: catalogue.getCountries,
    expect: objectShape((json, _ctx, problems) => {
      const entries = Object.entries(json);
      if (entries.length === 0) problems.push("no countries");
      for (const [key, v] of entries) {
        if (!INTEGER_KEY.test(key)) problems.push(`key ${j(key)} is not a country id`);
        else if (!isObject(v)) problems.push(`"${key}" is ${j(v)}, not an object`);
        else {
          if (v.id !== Number(key) || !isInt(v.id)) problems.push(`"${key}".id is ${j(v.id)}, not ${key}`);
          for (const f of ["visible", "retry", "rent", "multiService"]) {
            if (typeof v[f] !== "number") problems.push(`"${key}".${f} is ${j(v[f])}, not a number`);
          }
          if (typeof v.eng !== "string") problems.push(`"${key}".eng is ${j(v.eng)}, not a name`);
        }
      }
      return `${entries.length} countries keyed by id: integer id, numeric flags`;
    }),
  },
  {
    name: "catalogue.getCountries-ids",
    phase: "read",
    breaks:
      "clients use SMS-Activate's country table: another numbering (e.g. 187 for Turkey) buys numbers in the wrong country",
    request: catalogue.getCountries,
    expect: objectShape((json, _ctx, problems) => {
      const eng = (id: string): string | undefined => {
        const v = json[id];
        return isObject(v) && typeof v.eng === "string" ? v.eng : undefined;
      };
      for (const c of CANONICAL_COUNTRIES) {
        const name = eng(c.id);
        if (name !== undefined && c.eng.test(name) && !(c.id === "187" && /virtual/i.test(name))) continue;
        const elsewhere = Object.keys(json).find((id) => {
          const n = eng(id);
          return n !== undefined && c.eng.test(n) && !(c.id === "187" && /virtual/i.test(n));
        });
        problems.push(
          `${c.id} should be ${c.name}, is ${name === undefined ? "missing" : j(name)}${elsewhere === undefined ? "" : ` (${c.name} is ${elsewhere})`}`,
        );
      }
      return CANONICAL_COUNTRIES.map((c) => `${c.id} ${eng(c.id)}`).join(", ");
    }),
  },
  {
    name: "catalogue.getPrices-shape",
    phase: "read",
    breaks:
      "the Java client requires getPrices keyed by integer country id, then service, with a numeric cost and an integer count",
    request: catalogue.getPrices,
    expect: objectShape((json, _ctx, problems) => {
      const countries = Object.entries(json);
      let offers = 0;
      if (countries.length === 0) problems.push("no prices at all");
      for (const [country, services] of countries) {
        if (!INTEGER_KEY.test(country)) problems.push(`key ${j(country)} is not a country id`);
        if (!isObject(services)) {
          problems.push(`"${country}" is ${j(services)}, not an object of services`);
          continue;
        }
        for (const [service, offer] of Object.entries(services)) {
          offers++;
          if (!isObject(offer)) problems.push(`"${country}"."${service}" is ${j(offer)}, not {cost,count}`);
          else {
            if (typeof offer.cost !== "number")
              problems.push(`"${country}"."${service}".cost is ${j(offer.cost)}`);
            if (!isInt(offer.count)) problems.push(`"${country}"."${service}".count is ${j(offer.count)}`);
          }
        }
      }
      return `${countries.length} countries, ${offers} offers: numeric cost, integer count`;
    }),
  },
  {
    name: "catalogue.getNumbersStatus-keys",
    phase: "read",
    breaks:
      "the Java client requires `_` in every key (it splits <service>_<forward> and reads the flag after `_`)",
    request: catalogue.getNumbersStatus,
    expect: objectShape((json, _ctx, problems) => {
      const keys = Object.keys(json);
      if (keys.length === 0) problems.push("no keys");
      for (const k of keys) if (!/^[^_\s]+_[01]$/.test(k)) problems.push(`key ${j(k)} is not <code>_<0|1>`);
      return `${keys.length} keys, all <code>_<0|1>`;
    }),
  },
  {
    name: "catalogue.getNumbersStatus-counts",
    phase: "read",
    breaks: "clients int() the counts: a count that is not a whole number raises",
    request: catalogue.getNumbersStatus,
    expect: objectShape((json, _ctx, problems) => {
      for (const [k, v] of Object.entries(json)) if (!isCount(v)) problems.push(`${k}: ${j(v)}`);
      return "every count a whole number";
    }),
  },
  {
    name: "catalogue.getNumbersStatus-fixed-keys",
    phase: "read",
    breaks: "a Python client indexes 39 fixed keys and crashes on a missing one",
    request: catalogue.getNumbersStatus,
    expect: objectShape((json, _ctx, problems) => {
      const fixed = fixedStatusKeys();
      const missing = fixed.filter((k) => !(k in json));
      if (missing.length > 0)
        problems.push(`missing ${missing.length} of ${fixed.length}: ${missing.join(", ")}`);
      return `all ${fixed.length} fixed keys present`;
    }),
  },
  {
    name: "catalogue.getTopCountriesByService-shape",
    phase: "read",
    breaks:
      "clients index the answer by country id and read numeric count and price fields: other shapes raise",
    request: catalogue.getTopCountriesByService,
    expect: objectShape((json, ctx, problems) => {
      const entries = Object.entries(json);
      if (entries.length === 0) problems.push(`no countries for ${ctx.target.service}`);
      for (const [key, v] of entries) {
        if (!INTEGER_KEY.test(key)) problems.push(`key ${j(key)} is not a country id`);
        else if (!isObject(v)) problems.push(`"${key}" is ${j(v)}, not an object`);
        else {
          if (v.country !== Number(key)) problems.push(`"${key}".country is ${j(v.country)}, not ${key}`);
          if (!isInt(v.count)) problems.push(`"${key}".count is ${j(v.count)}`);
          if (typeof v.price !== "number") problems.push(`"${key}".price is ${j(v.price)}`);
          if ("retail_price" in v && typeof v.retail_price !== "number")
            problems.push(`"${key}".retail_price is ${j(v.retail_price)}`);
        }
      }
      return `${entries.length} countries keyed by id: numeric country, count, price`;
    }),
  },

  // ---------------- getNumber errors that need no purchase ----------------
  {
    name: "getNumber.bad-service",
    phase: "read",
    breaks:
      "clients map BAD_SERVICE by exact match: anything else is an unknown answer (and a purchase here would spend money on nothing)",
    request: (c) => ({
      query: `${c.k}&action=getNumber&service=${UNKNOWN_SERVICE}&country=${enc(c.target.country)}`,
      purchase: true,
    }),
    expect: (a, c) =>
      ACCESS_NUMBER.test(a.body) ? "it bought a number for an unknown service" : token("BAD_SERVICE")(a, c),
  },
  {
    name: "getNumber.bad-country",
    phase: "read",
    breaks:
      "clients map BAD_COUNTRY by exact match; an endpoint that buys in another country instead spends money on the wrong numbers",
    request: (c) => ({
      query: `${c.k}&action=getNumber&service=${enc(c.target.service)}&country=${UNKNOWN_COUNTRY}`,
      purchase: true,
    }),
    expect: (a, c) =>
      ACCESS_NUMBER.test(a.body) ? "it bought a number in some other country" : token("BAD_COUNTRY")(a, c),
  },
  {
    name: "getNumber.wrong-max-price",
    phase: "read",
    breaks:
      "bots cap what they pay with maxPrice: an endpoint that ignores it buys above the cap; clients read the price after WRONG_MAX_PRICE:",
    run: async (ctx) => {
      const prices = await ctx.send(catalogue.getPrices(ctx));
      const offer = offerIn(prices.body, ctx.target);
      const { service, country } = ctx.target;
      if (offer.price === undefined)
        return skip(`no price of ${service} in country ${country} in getPrices (${offer.why})`);
      if (offer.count === 0) return skip(`getPrices shows no ${service} numbers in country ${country}`);
      const cap = Math.floor((offer.price / 10) * 10_000) / 10_000;
      if (cap <= 0) return skip(`the price ${offer.price} is too small to ask for a tenth of it`);
      const a = await ctx.send({
        query: `${ctx.k}&action=getNumber&service=${enc(service)}&country=${enc(country)}&maxPrice=${cap}`,
        purchase: true,
      });
      const seen = describeExchange(a);
      if (ACCESS_NUMBER.test(a.body))
        return fail(`${seen} — bought at ${offer.price} despite maxPrice=${cap}`);
      const m = /^WRONG_MAX_PRICE:(\d+(?:\.\d+)?)$/.exec(a.body);
      if (!m) return fail(`${seen} — expected WRONG_MAX_PRICE:<price> (getPrices says ${offer.price})`);
      if (!(Number(m[1]) > cap)) return fail(`${seen} — the price it names is not above maxPrice=${cap}`);
      return pass(`${seen} (getPrices says ${offer.price})`);
    },
  },
  ...EMAIL_READ_CHECKS,
  {
    name: "money.read-only-spent-nothing",
    phase: "read",
    breaks: "checks that must not buy did: money spent that no client asked for",
    run: async (ctx) => {
      const numbers = ctx.purchases.map((p) => `${p.via} handed out ${p.id}`);
      const now = parseBalance((await getBalance(ctx)).body);
      if (numbers.length > 0) return fail(`${numbers.join("; ")} (settled before the tool exits)`);
      if (ctx.balanceAtStart === undefined || now === undefined) {
        return skip("the balance could not be read; no number was handed out");
      }
      if (Math.abs(now - ctx.balanceAtStart) > 1e-9) {
        return fail(
          `the balance went from ${money(ctx.balanceAtStart)} to ${money(now)} with nothing bought`,
        );
      }
      return pass(`balance ${money(now)} before and after the read-only checks; no number handed out`);
    },
  },

  // ---------------- activation (only with --buy: spends money, within --max-spend) ----------------
  {
    name: "activation.getNumber",
    phase: "buy",
    breaks:
      "clients need ACCESS_NUMBER:<id>:<phone> (they split on `:` and int() the id): anything else loses the number bought",
    run: async (ctx) => {
      const buy = await buyWithinBudget(ctx, "getNumber");
      if (isVerdict(buy)) return buy;
      const { ex, seen, price, purchase } = buy;
      if (purchase) ctx.state.first = purchase;
      if (!/^ACCESS_NUMBER:\d+:[^:]+$/.test(ex.body))
        return fail(`${seen} — expected ACCESS_NUMBER:<id>:<phone>`);
      return pass(`${seen} (price ${price})`);
    },
  },
  {
    name: "activation.getStatus",
    phase: "buy",
    breaks:
      "clients compare getStatus answers with STATUS_WAIT_CODE and split STATUS_OK:<code> on `:`: other answers make them give up on a paid number",
    run: async (ctx) => {
      const p = ctx.state.first;
      if (!p) return skip("no number bought by activation.getNumber");
      const w = await waitForCode(ctx, p, ctx.now() + ctx.waitMs);
      ctx.state.polls = w.answers;
      const bad = w.answers.filter((a) => a !== "STATUS_WAIT_CODE" && !/^STATUS_OK:[^:]+$/.test(a));
      const seen = `getStatus&id=${p.id} ×${w.answers.length}: ${summarize(w.answers)}`;
      if (bad.length > 0) return fail(`${seen} — expected STATUS_WAIT_CODE or STATUS_OK:<code>`);
      return pass(
        w.code === undefined
          ? `${seen} (no code within ${seconds(ctx.waitMs)}: it is cancelled below)`
          : `${seen} after ${seconds(w.ms)}`,
      );
    },
  },
  {
    name: "activation.getNumberV2",
    phase: "buy",
    breaks:
      "typed clients (pydantic, Newtonsoft) require all the classic fields with these types: activationId, phoneNumber, activationCost, countryCode as strings, canGetAnotherSms a boolean, currency a number",
    run: async (ctx) => {
      const buy = await buyWithinBudget(ctx, "getNumberV2");
      if (isVerdict(buy)) return buy;
      const { ex, seen } = buy;
      const { country } = ctx.target;
      const json = parseJson(ex.body);
      if (!isObject(json)) return fail(`${seen} — expected a JSON object`);
      const problems: string[] = [];
      const want = (field: string, ok: boolean, what: string) => {
        if (!ok) problems.push(`${field} is ${j(json[field])}, expected ${what}`);
      };
      const str = (f: string) => typeof json[f] === "string";
      want(
        "activationId",
        str("activationId") && /^\d+$/.test(String(json.activationId)),
        "a string of digits",
      );
      want("phoneNumber", str("phoneNumber") && String(json.phoneNumber) !== "", "a string");
      want(
        "activationCost",
        str("activationCost") && /^\d+(\.\d+)?$/.test(String(json.activationCost)),
        "a decimal string",
      );
      want("countryCode", str("countryCode"), "a string");
      want("canGetAnotherSms", typeof json.canGetAnotherSms === "boolean", "a boolean");
      want("currency", typeof json.currency === "number", "a number");
      want(
        "activationTime",
        str("activationTime") && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(String(json.activationTime)),
        "YYYY-MM-DD HH:MM:SS",
      );
      if (str("countryCode") && json.countryCode !== country)
        problems.push(`countryCode is ${j(json.countryCode)} for a purchase in ${country}`);
      if (problems.length > 0) return fail(`${seen} — ${problems.join("; ")}`);
      return pass(seen);
    },
  },
  {
    name: "activation.id-int32",
    phase: "buy",
    breaks:
      "an id above 2147483647: the official Java client (Integer.parseInt) fails; a leading zero changes the id",
    run: async (ctx) => {
      const ps = bought(ctx);
      if (ps.length === 0) return skip("nothing bought");
      const bad = ps.filter((p) => !/^[1-9]\d*$/.test(p.id) || Number(p.id) > INT32_MAX);
      const ids = ps.map((p) => `${p.via} ${p.id}`).join(", ");
      if (bad.length > 0) return fail(`${ids} — expected 1 … ${INT32_MAX}, no leading zero`);
      return pass(ids);
    },
  },
  {
    name: "activation.phone-digits",
    phase: "buy",
    breaks:
      "clients int() the phone number (Long.parseLong, int(), ulong.TryParse): a `+`, space or dash fails",
    run: async (ctx) => {
      const ps = bought(ctx);
      if (ps.length === 0) return skip("nothing bought");
      const phones = ps.map((p) => `${p.via} ${p.phone}`).join(", ");
      if (ps.some((p) => !/^\d+$/.test(p.phone))) return fail(`${phones} — expected digits only`);
      return pass(phones);
    },
  },
  {
    name: "activation.getActiveActivations",
    phase: "buy",
    breaks:
      "clients that list running activations (to resume or cancel them after a restart) miss or misread the numbers bought",
    run: async (ctx) => {
      const held = bought(ctx).filter((p) => !p.settled);
      if (held.length === 0) return skip("no number is active (nothing bought)");
      const a = await ctx.send({ query: `${ctx.k}&action=getActiveActivations` });
      const seen = describeExchange(a);
      const json = parseJson(a.body);
      const items =
        isObject(json) && Array.isArray(json.activeActivations) ? json.activeActivations : undefined;
      if (!isObject(json) || json.status !== "success" || items === undefined) {
        return fail(
          `${seen} — expected {"status":"success","activeActivations":[…]} holding ${held.map((p) => p.id).join(", ")}`,
        );
      }
      const listed = new Set(items.map((i) => (isObject(i) ? String(i.activationId) : "")));
      const missing = held.filter((p) => !listed.has(p.id)).map((p) => p.id);
      if (missing.length > 0) return fail(`${seen} — active ids missing: ${missing.join(", ")}`);
      return pass(`${seen} (holds ${held.map((p) => p.id).join(", ")})`);
    },
  },
  {
    name: "activation.setStatus-complete",
    phase: "buy",
    breaks:
      "clients confirm a code with setStatus 6 and expect ACCESS_ACTIVATION exactly: otherwise the number stays open",
    run: async (ctx) => {
      const p = ctx.state.first;
      if (!p) return skip("no number bought by activation.getNumber");
      if (p.code === undefined) return skip(`no code came within ${seconds(ctx.waitMs)}: cancelled instead`);
      const a = await complete(ctx, p);
      p.note = `code ${p.code}; setStatus 6 → ${a.body}`;
      const seen = describeExchange(a);
      return a.body === "ACCESS_ACTIVATION" ? pass(seen) : fail(`${seen} — expected ACCESS_ACTIVATION`);
    },
  },
  {
    name: "activation.setStatus-cancel",
    phase: "buy",
    breaks:
      "clients cancel with setStatus 8 and expect ACCESS_CANCEL exactly (EARLY_CANCEL_DENIED while too early): otherwise the money is not refunded",
    run: async (ctx) => {
      const p = ctx.state.first;
      if (!p) return skip("no number bought by activation.getNumber");
      if (p.code !== undefined || p.settled) return skip("a code came: completed instead");
      const c = await cancel(ctx, p, ctx.now() + ctx.waitMs);
      p.note = `setStatus 8 → ${summarize(c.answers)}`;
      const seen = `setStatus&id=${p.id}&status=8: ${summarize(c.answers)}`;
      if (c.completedInstead) return skip(`${seen} — a code came meanwhile: completed instead`);
      if (p.settled === "cancelled") return pass(seen);
      const allowed = c.answers.every((x) => x === "EARLY_CANCEL_DENIED" || x === "ACCESS_CANCEL");
      return fail(
        allowed
          ? `${seen} — still not cancellable after ${seconds(ctx.waitMs)} (a longer --wait covers a longer cool-down)`
          : `${seen} — expected ACCESS_CANCEL (or EARLY_CANCEL_DENIED while too early)`,
      );
    },
  },
  {
    name: "activation.all-settled",
    phase: "buy",
    breaks: "a number left open keeps the money until it expires: bots that cannot settle it lose it",
    run: async (ctx) => {
      const numbers = bought(ctx);
      if (numbers.length === 0) return skip("nothing bought");
      for (const p of numbers) await settle(ctx, p);
      const lines = numbers.map(
        (p) => `${p.via} ${p.id}: ${p.settled ?? "STILL ACTIVE"}${p.note ? ` (${p.note})` : ""}`,
      );
      const open = numbers.filter((p) => !p.settled);
      if (open.length > 0) {
        return fail(
          `${lines.join("; ")} — cancel ${open.map((p) => p.id).join(", ")} yourself (setStatus 8) or wait for expiry`,
        );
      }
      return pass(lines.join("; "));
    },
  },
  ...EMAIL_BUY_CHECKS,

  // ---------------- every answer of the run ----------------
  {
    name: "answers.http-200",
    phase: "answers",
    breaks:
      "HTTP 400 on errors: axios clients reject, PHP returns false, Ruby raises, Java reports 'network error' (it gunzips every ≥ 400 body)",
    run: async (ctx) =>
      everyAnswer(
        ctx,
        (a) => (a.status === 200 ? undefined : `HTTP ${a.status}`),
        (n) => `all ${n} answers HTTP 200`,
      ),
  },
  {
    name: "answers.content-type",
    phase: "answers",
    breaks:
      "application/json: the Ruby gem parses the body itself and fails; text/plain or text/html work for all",
    run: async (ctx) =>
      everyAnswer(
        ctx,
        (a) =>
          /^text\/(plain|html)\s*(;|$)/i.test(a.contentType) ? undefined : a.contentType || "no content-type",
        (n) => `all ${n} answers text/plain or text/html`,
      ),
  },
  {
    name: "answers.no-trailing-newline",
    phase: "answers",
    breaks: "trailing newline: breaks whole-body comparisons in 8 of 9 libraries",
    run: async (ctx) =>
      everyAnswer(
        ctx,
        (a) => (/[\r\n]$/.test(a.text) ? "ends with a line break" : undefined),
        (n) => `none of ${n} answers ends with CR or LF`,
      ),
  },
  {
    name: "answers.no-surrounding-whitespace",
    phase: "answers",
    breaks:
      "clients compare whole bodies (token tables, r.text == 'BAD_KEY'): surrounding whitespace makes every token unknown",
    run: async (ctx) =>
      everyAnswer(
        ctx,
        (a) => {
          const t = a.text.startsWith(BOM) ? a.text.slice(1) : a.text;
          if (/^\s/.test(t)) return "leading whitespace";
          return /[^\S\r\n]$/.test(t.replace(/[\r\n]+$/, "")) ? "trailing whitespace" : undefined;
        },
        (n) => `none of ${n} answers has leading or trailing whitespace`,
      ),
  },
  {
    name: "answers.no-bom",
    phase: "answers",
    breaks: "a byte-order mark: whole-body comparisons, startsWith('ACCESS') and JSON.parse fail",
    run: async (ctx) =>
      everyAnswer(
        ctx,
        (a) => (a.text.startsWith(BOM) ? "starts with a BOM" : undefined),
        (n) => `none of ${n} answers starts with a BOM`,
      ),
  },
  ...EMAIL_ANSWER_CHECKS,
];
