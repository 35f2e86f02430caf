import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixedStatusKeys } from "../../src/conformance/checks.js";
import { formatText } from "../../src/conformance/report.js";
import { type RunOptions, runConformance } from "../../src/conformance/run.js";
import { type Stack, startProxy, startStack, type Wrongness } from "./stack.js";

/**
 * One wrong habit at a time, in a proxy in front of the real gateway: the check named for it
 * fails, and no other check does.
 */

const isJson = (body: string) => /^[[{]/.test(body);
const CATALOGUE = new Set([
  "getCountries",
  "getPrices",
  "getNumbersStatus",
  "getNumbersStatus1",
  "getTopCountriesByService",
  "getServicesList",
  "getOperators",
]);
/** Gateway id → an id above 2^31 − 1 (and back, in requests). */
const OFFSET = 2_147_483_647;

const WRONG: { name: string; wrongness: Wrongness; fails: string[]; buy?: boolean }[] = [
  {
    name: "a trailing newline after every answer",
    wrongness: { answer: (a) => ({ ...a, body: `${a.body}\n` }) },
    fails: ["answers.no-trailing-newline"],
  },
  {
    name: "a byte-order mark before every answer",
    wrongness: { answer: (a) => ({ ...a, body: `\uFEFF${a.body}` }) },
    fails: ["answers.no-bom"],
  },
  {
    name: "a space after every answer",
    wrongness: { answer: (a) => ({ ...a, body: `${a.body} ` }) },
    fails: ["answers.no-surrounding-whitespace"],
  },
  {
    name: "no gzip when the client accepts it",
    wrongness: { gzip: false },
    fails: ["transport.gzip"],
  },
  {
    name: "HTTP 400 on protocol errors",
    wrongness: {
      answer: (a) => (/^(BAD_|NO_|WRONG_|ERROR_|EARLY_|BANNED)/.test(a.body) ? { ...a, status: 400 } : a),
    },
    fails: ["answers.http-200"],
  },
  {
    name: "application/json on tokens",
    wrongness: {
      answer: (a) => (isJson(a.body) ? a : { ...a, contentType: "application/json; charset=utf-8" }),
    },
    fails: ["answers.content-type"],
  },
  {
    name: "Turkey answered as 187 in getCountries",
    wrongness: {
      answer: (a, params) => {
        if (params.get("action") !== "getCountries" || !isJson(a.body)) return a;
        const countries = JSON.parse(a.body);
        countries["187"] = { ...countries["62"], id: 187 };
        delete countries["62"];
        return { ...a, body: JSON.stringify(countries) };
      },
    },
    fails: ["catalogue.getCountries-ids"],
  },
  {
    name: "activation ids from 2147483648",
    buy: true,
    wrongness: {
      request: (url) =>
        url.replace(/([?&]id=)(\d+)/, (_m, p: string, id: string) => `${p}${Number(id) - OFFSET}`),
      answer: (a) => ({
        ...a,
        body: a.body
          .replace(/^ACCESS_NUMBER:(\d+):/, (_m, id: string) => `ACCESS_NUMBER:${Number(id) + OFFSET}:`)
          .replaceAll(
            /"activationId":"(\d+)"/g,
            (_m, id: string) => `"activationId":"${Number(id) + OFFSET}"`,
          ),
      }),
    },
    fails: ["activation.id-int32"],
  },
  {
    name: "getNumbersStatus keys without `_` (beyond the fixed ones)",
    wrongness: {
      answer: (a, params) => {
        if (!params.get("action")?.startsWith("getNumbersStatus") || !isJson(a.body)) return a;
        const fixed = new Set(fixedStatusKeys());
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(JSON.parse(a.body)))
          out[fixed.has(k) ? k : k.replace("_", "")] = v;
        return { ...a, body: JSON.stringify(out) };
      },
    },
    fails: ["catalogue.getNumbersStatus-keys"],
  },
  {
    name: "BAD_KEY to a good key on catalogue calls",
    wrongness: {
      answer: (a, params) =>
        CATALOGUE.has(params.get("action") ?? "") && params.get("api_key") ? { ...a, body: "BAD_KEY" } : a,
    },
    fails: ["catalogue.good-key-accepted"],
  },
];

let stack: Stack;

beforeAll(async () => {
  // Both purchases of a --buy run fit a budget of 1.
  stack = await startStack();
  await stack.sb.control.setOffer("tg", "TR", { price: "0.45" });
});
afterAll(() => stack.close());

describe("each wrong habit fails exactly the check named for it", () => {
  it.each(WRONG)(
    "$name → $fails",
    async ({ wrongness, fails, buy }) => {
      const proxy = await startProxy(stack.gw.url, wrongness);
      try {
        await stack.sb.control.account(stack.sb.apiKey, "100.00");
        const opts: RunOptions = { endpoint: proxy.legacyUrl, key: stack.sb.apiKey, pollMs: 200 };
        if (buy) Object.assign(opts, { buy: { service: "tg", country: "62" }, maxSpend: 1 });
        const report = await runConformance(opts);
        const text = formatText(report, stack.sb.apiKey);
        expect(report.unreachable).toBeUndefined();
        expect(
          report.results.filter((r) => r.result === "FAIL").map((r) => r.name),
          text,
        ).toEqual(fails);
        for (const name of fails) {
          const r = report.results.find((x) => x.name === name)!;
          expect(r.breaks.length).toBeGreaterThan(10);
          expect(text).toContain(`breaks: ${r.breaks}`);
        }
        if (buy) {
          expect(report.purchases.map((p) => Number(p.id))).toEqual([expect.any(Number), expect.any(Number)]);
          expect(report.purchases.every((p) => Number(p.id) > OFFSET)).toBe(true);
          const inSandbox = await stack.sb.control.activations(stack.sb.apiKey);
          expect(inSandbox.map((a) => a.status)).toEqual(["COMPLETED", "COMPLETED"]);
        }
      } finally {
        await proxy.close();
      }
    },
    90_000,
  );

  it("the failures name the clients that break", async () => {
    const proxy = await startProxy(stack.gw.url, WRONG[0]!.wrongness);
    try {
      const report = await runConformance({ endpoint: proxy.legacyUrl, key: stack.sb.apiKey });
      const text = formatText(report, stack.sb.apiKey);
      expect(text).toMatch(
        /\nFAIL {2}answers\.no-trailing-newline +\d+ of \d+ answers: GET \S+action=getBalance → 200 "ACCESS_BALANCE:100\.00\\n" \(ends with a line break\).*\n +breaks: trailing newline: breaks whole-body comparisons in 8 of 9 libraries\n/,
      );
    } finally {
      await proxy.close();
    }
  });
});
