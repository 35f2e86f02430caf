import { gunzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ACTIONS } from "../../src/legacy/router.js";
import { usePair, withGatewayAndSandbox } from "../helpers/gateway.js";

/**
 * Property: whatever arrives on a legacy path, the answer is HTTP 200 with a known token or valid
 * JSON (413 only for an oversized body), and the gateway keeps serving.
 */
const BODY_LIMIT = 4096;
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);

const pair = usePair(() =>
  withGatewayAndSandbox({
    sandbox: { config: { autoSms: false, rateLimitPerS: 100_000 } },
    gateway: { env: { BODY_LIMIT_BYTES: String(BODY_LIMIT), STATUS_CACHE_MS: "0" } },
  }),
);

const TOKEN_WORDS = new Set([
  "NO_ACTION",
  "BAD_ACTION",
  "NO_KEY",
  "BAD_KEY",
  "ERROR_SQL",
  "BAD_SERVICE",
  "BAD_COUNTRY",
  "BAD_STATUS",
  "NO_NUMBERS",
  "NO_BALANCE",
  "NO_ACTIVATION",
  "NO_ACTIVATIONS",
  "ORDER_ALREADY_EXISTS",
  "EARLY_CANCEL_DENIED",
  "WRONG_MAX_PRICE",
  "ACCESS_BALANCE",
  "ACCESS_NUMBER",
  "ACCESS_READY",
  "ACCESS_RETRY_GET",
  "ACCESS_ACTIVATION",
  "ACCESS_CANCEL",
  "STATUS_WAIT_CODE",
  "STATUS_WAIT_RETRY",
  "STATUS_OK",
  "STATUS_CANCEL",
  "FULL_SMS",
]);

function isProtocolAnswer(body: string): boolean {
  if (TOKEN_WORDS.has(body.split(":", 1)[0]!)) return true;
  try {
    JSON.parse(body);
    return true;
  } catch {
    return false;
  }
}

const PATHS = [
  "/stubs/handler_api.php",
  "/stubs/handler_api.php/",
  "/stubs/handler_api",
  "/handler_api.php/",
];
const NAMES = [
  "action",
  "api_key",
  "service",
  "country",
  "id",
  "status",
  "operator",
  "maxPrice",
  "orderId",
  "key[]",
];
const actionNames = [...ACTIONS.keys(), "getbalance", "", "undefined", "null"];

const name = fc.oneof(
  fc.constantFrom(...NAMES),
  fc.constantFrom(...NAMES).map((n) => ` ${n} `),
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.constantFrom("a[]", "a[b]", "__proto__", "constructor", "$freePrice", "forwards"),
);
const value = fc.oneof(
  fc.constantFrom(...actionNames),
  fc.constantFrom(
    "0",
    "62",
    "187",
    "12",
    "tg",
    "-1",
    "8",
    "2147483647",
    "2147483648",
    "undefined",
    "null",
    "",
  ),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.nat({ max: 3_000 }).map((n) => "9".repeat(n)),
  fc.constant("x".repeat(70_000)), // beyond the header and body limits
);
const pairs = fc.array(fc.tuple(name, value), { maxLength: 8 });
const withAction = fc
  .tuple(fc.constantFrom(...actionNames), pairs)
  .map(([a, rest]) => [["action", a], ...rest]);

const request = fc.record({
  method: fc.constantFrom("GET", "POST", "POST", "PUT"),
  path: fc.constantFrom(...PATHS),
  query: fc.oneof(pairs, withAction),
  body: fc.option(fc.oneof(pairs, withAction), { nil: undefined }),
  contentType: fc.constantFrom(
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-8",
    "multipart/form-data; boundary=zz",
    "text/plain",
    "application/json",
    "",
  ),
  gzip: fc.boolean(),
});

function encode(list: string[][], mode: "url" | "raw"): string {
  if (mode === "url") return new URLSearchParams(list as [string, string][]).toString();
  return list.map(([k, v]) => `${k}=${v}`).join("&"); // unencoded, as some clients send bodies
}

describe("fuzzed legacy requests", () => {
  it(`${RUNS} random requests get HTTP 200 and a protocol answer (413 only when oversized)`, async () => {
    let oversized = 0;
    await fc.assert(
      fc.asyncProperty(request, fc.boolean(), async (r, rawBody) => {
        const query = encode(r.query, "url");
        const body = r.body === undefined ? undefined : encode(r.body, rawBody ? "raw" : "url");
        const headers: Record<string, string> = {};
        if (r.contentType) headers["content-type"] = r.contentType;
        if (r.gzip) headers["accept-encoding"] = "gzip";
        const res = await pair.gw.raw(`${r.path}?${query}`, {
          method: r.method,
          headers,
          ...(body !== undefined && { body }),
        });
        const tooBig = body !== undefined && Buffer.byteLength(body) > BODY_LIMIT && r.method === "POST";
        if (res.status === 413) {
          oversized += 1;
          expect(tooBig).toBe(true);
          return;
        }
        expect(res.status).toBe(200);
        expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
        const gzipped = res.headers["content-encoding"] === "gzip";
        if (gzipped) expect(r.gzip).toBe(true);
        const text = (gzipped ? gunzipSync(res.body) : res.body).toString("utf8");
        expect(isProtocolAnswer(text), `not a protocol answer: ${text.slice(0, 120)}`).toBe(true);
      }),
      { numRuns: RUNS },
    );
    const upstreamState = pair.gw.deps.upstream.breaker;
    expect(
      await pair.gw.call({ api_key: pair.sb.apiKey, action: "getBalance" }),
      upstreamState.lastError,
    ).toMatch(/^ACCESS_BALANCE:/);
    expect(oversized).toBeGreaterThan(0);
  }, 300_000);
});
