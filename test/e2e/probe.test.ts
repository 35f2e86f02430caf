import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatReport } from "../../src/probe/report.js";
import { type ProbeReport, runProbe } from "../../src/probe/run.js";
import { PROBE_CLI, runScript } from "../helpers/process.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";

type Json = Record<string, unknown>;
/** Changes the JSON answer of the requests `when` selects; everything else is passed through. */
interface Alteration {
  when: (method: string, path: string) => boolean;
  alter: (body: Json, res: { status: number }) => unknown;
}

/** A tiny HTTP proxy in front of the sandbox (`target` = its root URL) that can alter chosen answers. */
async function startDouble(
  target: string,
  alteration?: Alteration,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    forward(req).then(
      ({ status, body }) => res.writeHead(status, { "content-type": "application/json" }).end(body),
      (err) => res.writeHead(502).end(String(err)),
    );
  });
  async function forward(req: IncomingMessage): Promise<{ status: number; body: string }> {
    const headers: Record<string, string> = {};
    const key = req.headers["x-api-key"];
    if (typeof key === "string") headers["x-api-key"] = key;
    const upstream = await fetch(`${target}${req.url}`, { method: req.method ?? "GET", headers });
    let status = upstream.status;
    let body = await upstream.text();
    const path = (req.url ?? "").replace(/^\/api\/v1/, "");
    if (alteration?.when(req.method ?? "GET", path)) {
      const out = { status };
      body = JSON.stringify(alteration.alter(JSON.parse(body) as Json, out));
      status = out.status;
    }
    return { status, body };
  }
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function result(report: ProbeReport, request: string) {
  const found = report.results.find((r) => r.request.startsWith(request));
  if (!found) throw new Error(`no result for ${request}: ${report.results.map((r) => r.request).join(", ")}`);
  return found;
}

/** `npm run probe` (the compiled CLI) with a clean environment. */
const runCli = (args: string[]) => runScript(PROBE_CLI, args);

describe("upstream probe", () => {
  let sb: TestSandbox;

  beforeAll(async () => {
    sb = await startTestSandbox();
    // two activations and their transactions, so the list shapes and the cursor are really checked
    for (let i = 0; i < 2; i++) {
      const bought = await sb.api("/activations", { json: { serviceCode: "tg", countryIso: "TR" } });
      expect(bought.status).toBe(201);
    }
  });
  afterAll(() => sb.close());

  it("against the sandbox: every call matches", async () => {
    const report = await runProbe({ upstream: sb.baseUrl, key: sb.apiKey });
    expect(report.results.map((r) => [r.request.replace(/c[a-z0-9]{24}/, "<cuid>"), r.matched])).toEqual([
      ["GET /countries", true],
      ["GET /services", true],
      ["GET /services/tg/countries", true],
      ["GET /wallet/balance", true],
      ["GET /activations?limit=5", true],
      ["GET /activations?limit=100&status=WAITING,RECEIVED (status filter)", true],
      ["GET /activations?limit=1 (first page of 1)", true],
      [expect.stringMatching(/^GET \/activations\?limit=1&cursor=\S+ \(cursor\)$/), true],
      ["GET /wallet/transactions?limit=5", true],
      ["GET /activations/<cuid> (unknown id)", true],
      ["GET /wallet/balance (no key)", true],
      ["GET /email-activations/domains?site=telegram.com", true],
      ["GET /email-activations?limit=5", true],
      ["GET /email-activations/<cuid> (unknown id)", true],
      ["GET /email-activations/domains?site=telegram.com (no key)", true],
    ]);
    expect(report.allMatched).toBe(true);
    // no mailbox was bought yet: the only note is the empty email list
    expect(report.results.flatMap((r) => r.notes)).toEqual([
      expect.stringMatching(/^the list was empty, so the mailbox shape could not be checked/),
    ]);
    expect(formatReport(report)).toMatch(/All 15 calls matched/);
  });

  it("only reads: no purchase, cancel or other write reaches the upstream", async () => {
    await sb.control.resetStats();
    await runProbe({ upstream: sb.baseUrl, key: sb.apiKey });
    const { requests } = await sb.control.stats();
    for (const route of Object.keys(requests)) expect(route).toMatch(/^GET /);
  });

  it("names a price sent as an object, and what the gateway would do", async () => {
    const double = await startDouble(sb.url, {
      when: (m, p) => m === "GET" && /^\/services\/[^/]+\/countries/.test(p),
      alter: (body) => {
        const countries = body.countries as Json[];
        countries[0] = { ...countries[0], price: { amount: "0.50", currency: "USD" } };
        return body;
      },
    });
    try {
      const report = await runProbe({ upstream: double.url, key: sb.apiKey });
      const r = result(report, "GET /services/tg/countries");
      expect(r.matched).toBe(false);
      expect(r.differences).toEqual(["countries[0].price: expected string|number, got object"]);
      expect(r.consequence).toMatch(/getNumber.*ERROR_SQL/);
      expect(report.allMatched).toBe(false);
      expect(report.results.filter((x) => !x.matched)).toHaveLength(1);
    } finally {
      await double.close();
    }
  });

  it("names a missing phoneNumber in the activations page", async () => {
    const double = await startDouble(sb.url, {
      when: (m, p) => m === "GET" && p.startsWith("/activations?"),
      alter: (body) => {
        const { phoneNumber: _dropped, ...rest } = (body.data as Json[])[0]!;
        return { ...body, data: [rest] };
      },
    });
    try {
      const r = result(await runProbe({ upstream: double.url, key: sb.apiKey }), "GET /activations?");
      expect(r.differences).toEqual(["data[0].phoneNumber: missing, expected string"]);
      expect(r.consequence).toMatch(/getActiveActivations/);
    } finally {
      await double.close();
    }
  });

  it("names a status filter the upstream ignores, and a cursor that answers the first page again", async () => {
    let firstPage: Json[] | undefined;
    let cursorAsked = false;
    const double = await startDouble(sb.url, {
      when: (m, p) => {
        cursorAsked = p.includes("cursor=");
        return m === "GET" && p.startsWith("/activations?");
      },
      alter: (body) => {
        const data = body.data as Json[];
        // ignores the cursor (the first page again) and the filter (an ended activation in the live list)
        if (!cursorAsked) firstPage ??= data;
        return {
          ...body,
          data: (cursorAsked ? firstPage! : data).map((a) => ({ ...a, status: "CANCELLED" })),
        };
      },
    });
    try {
      const report = await runProbe({ upstream: double.url, key: sb.apiKey });
      expect(result(report, "GET /activations?limit=100").differences).toContain(
        "data[0].status: CANCELLED is outside the filter WAITING,RECEIVED",
      );
      expect(result(report, "GET /activations?limit=1&cursor").differences).toEqual([
        "data: the cursor answered the first page again",
      ]);
      expect(result(report, "GET /activations?limit=1&cursor").consequence).toMatch(/tracker/);
    } finally {
      await double.close();
    }
  });

  it("names an error body that is not NestJS-shaped, and a wrong status", async () => {
    const double = await startDouble(sb.url, {
      when: (_m, p) => /^\/activations\/c[a-z0-9]{24}$/.test(p) || p === "/wallet/balance",
      alter: (body, res) => {
        if (res.status === 404) return { error: "not found" };
        if (res.status === 401) res.status = 500;
        return body;
      },
    });
    try {
      const report = await runProbe({ upstream: double.url, key: sb.apiKey });
      expect(result(report, "GET /activations/c").differences).toEqual([
        "statusCode: missing, expected number",
        "message: missing, expected string|array",
      ]);
      expect(result(report, "GET /wallet/balance (no key)").differences).toEqual([
        "HTTP 500, expected 401 or 403",
      ]);
      expect(result(report, "GET /wallet/balance (no key)").consequence).toMatch(/BAD_KEY/);
    } finally {
      await double.close();
    }
  });

  it("reports an unreachable upstream and a refused key", async () => {
    const down = await startDouble(sb.url);
    const url = down.url;
    await down.close();
    const unreachable = await runProbe({ upstream: url, key: sb.apiKey, timeoutMs: 2000 });
    expect(unreachable.allMatched).toBe(false);
    expect(unreachable.results[0]!.differences).toEqual(["no answer: ECONNREFUSED"]);
    expect(unreachable.unreachable).toBe(true);
    expect(unreachable.results).toHaveLength(1); // nothing answers: the other calls are not made

    const refused = await runProbe({ upstream: sb.baseUrl, key: "not-a-known-key-123" });
    expect(refused.keyRefused).toBe(true);
    expect(result(refused, "GET /wallet/balance").differences).toEqual(["HTTP 401, expected 200"]);
    expect(formatReport(refused)).toMatch(/key was refused/);
  });

  describe("--buy-email against the sandbox (real clock, the address after 300 ms)", () => {
    let shop: TestSandbox;
    let domain: { name: string; price: string | number };

    beforeAll(async () => {
      shop = await startTestSandbox({
        clock: "real",
        config: { emailAddressDelayMs: 300, autoSms: false },
      });
      const listed = await shop.api("/email-activations/domains?site=telegram.com");
      expect(listed.status).toBe(200);
      const body = listed.body as { name: string; price: string | number }[] | { data: (typeof domain)[] };
      domain = (Array.isArray(body) ? body : body.data)[0]!;
    });
    afterAll(() => shop?.close());

    it("buys one mailbox, sees its address come, cancels it: the wallet is whole again", async () => {
      const before = (await shop.api("/wallet/balance")).body.balance;
      const out = await runCli([
        "--upstream",
        shop.baseUrl,
        "--key",
        shop.apiKey,
        "--buy-email",
        `telegram.com:${domain.name}`,
        "--max-spend",
        "5",
      ]);
      expect(out.code, out.stdout).toBe(0);
      expect(out.stdout).toMatch(/MATCHED {2}POST \/email-activations .* → 201/);
      expect(out.stdout).toMatch(/note: emailAddress was null in the purchase answer/);
      expect(out.stdout).toMatch(/note: emailAddress filled after \d+\.\d s/);
      expect(out.stdout).toMatch(/note: cancelled: status (CANCELLED|REFUNDED)/);
      expect(out.stdout + out.stderr).not.toContain(shop.apiKey);
      const { requests } = await shop.control.stats();
      expect(requests["POST /api/v1/email-activations"]).toBe(1);
      expect((await shop.api("/wallet/balance")).body.balance).toBe(before);
    });

    it("refuses a domain priced above --max-spend and buys nothing", async () => {
      await shop.control.resetStats();
      const cap = (Number(domain.price) / 2).toFixed(4);
      const out = await runCli([
        "--upstream",
        shop.baseUrl,
        "--key",
        shop.apiKey,
        "--buy-email",
        `telegram.com:${domain.name}`,
        "--max-spend",
        cap,
      ]);
      expect(out.code, out.stdout).toBe(0);
      expect(out.stdout).toMatch(
        /SKIPPED {2}POST \/email-activations\n\s+note: .*more than --max-spend.*: nothing bought/,
      );
      const { requests } = await shop.control.stats();
      for (const route of Object.keys(requests)) expect(route).toMatch(/^GET /);
    });
  });

  describe("npm run probe (compiled CLI)", () => {
    it("exit 0 and an all-matched report against the sandbox; the key is never printed", async () => {
      const out = await runCli(["--upstream", sb.baseUrl, "--key", sb.apiKey]);
      expect(out.code).toBe(0);
      expect(out.stdout).toMatch(/All 15 calls matched/);
      expect(out.stdout + out.stderr).not.toContain(sb.apiKey);
    });

    it("exit 1 naming the field when the double alters an answer", async () => {
      const double = await startDouble(sb.url, {
        when: (m, p) => m === "GET" && p === "/wallet/balance",
        alter: (body, res) => (res.status === 200 ? { ...body, balance: null } : body),
      });
      try {
        const out = await runCli(["--upstream", double.url, "--key", sb.apiKey]);
        expect(out.code).toBe(1);
        expect(out.stdout).toMatch(
          /DIFFERS {2}GET \/wallet\/balance → 200\n\s+differs: balance: expected string\|number, got null\n\s+gateway: getBalance would answer ERROR_SQL/,
        );
        expect(out.stdout).toMatch(/1 of 15 calls differ/);
        expect(out.stdout + out.stderr).not.toContain(sb.apiKey);
      } finally {
        await double.close();
      }
    });

    it("exit 2 on a usage error, saying what is wrong before the usage", async () => {
      const cases: [string[], string][] = [
        [["--upstream", sb.baseUrl], "probe: missing --key KEY"],
        [["--key", "k"], "probe: missing --upstream URL"],
        [[], "probe: missing --upstream URL and --key KEY"],
        [["--upstream", "ftp://x", "--key", "k"], "probe: --upstream must be an http(s) URL"],
        [["--upstream", sb.baseUrl, "--key", "-"], "probe: --key - read no key from stdin"],
        [
          ["--upstream", sb.baseUrl, "--key", "k", "--timeout-ms", "soon"],
          "probe: --timeout-ms must be a positive whole number of milliseconds",
        ],
        [
          ["--upstream", sb.baseUrl, "--key", "k", "--buy-email", "telegram.com:gmx.com"],
          "probe: --buy-email needs --max-spend USD (the most the mailbox may cost)",
        ],
        [
          ["--upstream", sb.baseUrl, "--key", "k", "--buy-email", "gmx.com", "--max-spend", "1"],
          "probe: --buy-email must be SITE:DOMAIN, e.g. telegram.com:gmx.com",
        ],
        [
          ["--upstream", sb.baseUrl, "--key", "k", "--buy-email", "a:b", "--max-spend", "lots"],
          "probe: --max-spend must be a positive amount, e.g. 1 or 0.50",
        ],
        [
          ["--upstream", sb.baseUrl, "--key", "k", "--max-spend", "1"],
          "probe: --max-spend is only used with --buy-email",
        ],
      ];
      for (const [args, problem] of cases) {
        const out = await runCli(args);
        expect(out.code, args.join(" ")).toBe(2);
        expect(out.stdout).toBe("");
        expect(out.stderr.split("\n")[0], args.join(" ")).toBe(problem);
        expect(out.stderr).toMatch(/^usage: npm run probe/m);
      }
    });

    it("--help and -h print the usage on stdout and exit 0", async () => {
      for (const flag of ["--help", "-h"]) {
        const out = await runCli([flag]);
        expect(out.code, flag).toBe(0);
        expect(out.stdout).toMatch(/^usage: npm run probe -- --upstream URL --key KEY/);
        expect(out.stderr).toBe("");
      }
    });

    it("an unreachable upstream: one summary line and the reason once, exit 1", async () => {
      const down = await startDouble(sb.url);
      await down.close();
      const out = await runCli(["--upstream", down.url, "--key", sb.apiKey, "--timeout-ms", "5000"]);
      expect(out.code).toBe(1);
      const lines = out.stdout.split("\n").filter((l) => l.trim() !== "");
      expect(lines).toEqual([
        `Upstream probe: ${down.url}`,
        "NO ANSWER  GET /countries: ECONNREFUSED",
        expect.stringMatching(
          /^The upstream did not answer, so the other 14 calls were not made: check --upstream/,
        ),
      ]);
      expect(out.stdout.match(/ECONNREFUSED/g)).toHaveLength(1);
      expect(out.stderr).toBe("");
    });
  });
});
