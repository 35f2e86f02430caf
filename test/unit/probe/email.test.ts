import { afterEach, describe, expect, it } from "vitest";
import { EMAIL_PROBE_CHECKS } from "../../../src/probe/email-checks.js";
import { formatReport } from "../../../src/probe/report.js";
import { type ProbeOptions, type ProbeReport, runProbe } from "../../../src/probe/run.js";
import { type FakeUpstream, mailbox, type Route, startFakeUpstream } from "./fake-upstream.js";

/** The probe's email checks and its one opt-in purchase, against a fake native upstream. */

const KEY = "probe-test-key-0123456789";
const DOMAINS = "GET /email-activations/domains?site=telegram.com";
const LIST = "GET /email-activations?limit=5";
const domains =
  (price: unknown = 0.04, count = 12): Route =>
  () => ({ status: 200, json: [{ name: "gmx.com", price, count, currency: "USD" }] });

let fake: FakeUpstream | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** The email checks (and the purchase, with `buy`) against a fake answering as documented, but for `over`. */
async function probe(
  over: Record<string, Route> = {},
  opts: { keyless?: boolean; buy?: Partial<NonNullable<ProbeOptions["buyEmail"]>> } = {},
): Promise<ProbeReport> {
  fake = await startFakeUpstream(
    { [DOMAINS]: domains(), [LIST]: () => ({ status: 200, json: { data: [mailbox()] } }), ...over },
    { keyless: opts.keyless ?? false },
  );
  return runProbe({
    upstream: fake.url,
    key: KEY,
    checks: EMAIL_PROBE_CHECKS,
    ...(opts.buy && {
      buyEmail: {
        site: "telegram.com",
        domain: "gmx.com",
        maxSpend: 1,
        pollMs: 10,
        addressWaitMs: 500,
        cancelWaitMs: 2000,
        ...opts.buy,
      },
    }),
  });
}

const lines = (r: ProbeReport) =>
  r.results.map((x) => [x.request.replace(/c[a-z0-9]{24}/g, "<cuid>"), x.skipped ? "SKIPPED" : x.matched]);
const writes = () => fake!.seen.filter((s) => !s.startsWith("GET "));

describe("probe: the email routes, read-only", () => {
  it("all four match a documented upstream, and only GETs are sent", async () => {
    const report = await probe();
    expect(lines(report)).toEqual([
      ["GET /email-activations/domains?site=telegram.com", true],
      ["GET /email-activations?limit=5", true],
      ["GET /email-activations/<cuid> (unknown id)", true],
      ["GET /email-activations/domains?site=telegram.com (no key)", true],
    ]);
    expect(report.allMatched).toBe(true);
    expect(writes()).toEqual([]);
  });

  it("names a price sent as an object, and what getDomains would answer", async () => {
    const report = await probe({ [DOMAINS]: domains({ amount: "0.04" }) });
    const r = report.results[0]!;
    expect(r.differences).toEqual(["[0].price: expected string|number, got object"]);
    expect(r.consequence).toMatch(/getDomains and buyMailActivation .*ERROR_SQL/);
    expect(formatReport(report, KEY)).toMatch(/1 of 4 calls differ/);
  });

  it("names a mailbox without an id in the list", async () => {
    const { id: _id, ...noId } = mailbox();
    const report = await probe({ [LIST]: () => ({ status: 200, json: [noId] }) });
    expect(report.results[1]!.differences).toEqual(["[0].id: missing, expected string"]);
    expect(report.results[1]!.consequence).toMatch(/getMailHistory/);
  });

  it("an empty list matches, with a note", async () => {
    const report = await probe({ [LIST]: () => ({ status: 200, json: { data: [] } }) });
    expect(report.results[1]).toMatchObject({ matched: true });
    expect(report.results[1]!.notes[0]).toMatch(/empty.*--buy-email/);
  });

  it("an unknown id answered 200, and a domain list served without the key, differ", async () => {
    const report = await probe(
      { "GET /email-activations/:id": () => ({ status: 200, json: mailbox() }) },
      { keyless: true },
    );
    expect(report.results[2]!.differences).toEqual(["HTTP 200, expected 404"]);
    expect(report.results[2]!.consequence).toMatch(/checkMailActivation/);
    expect(report.results[3]!.differences).toEqual(["HTTP 200, expected 401 or 403"]);
    expect(report.results[3]!.consequence).toMatch(/BAD_KEY/);
  });
});

describe("probe --buy-email", () => {
  /** A mailbox bought without an address, given one on the second read; cancel as configured. */
  function shop(cancel: Route = ({ id }) => ({ status: 200, json: mailbox({ id, status: "CANCELLED" }) })) {
    let reads = 0;
    return {
      "POST /email-activations": () => ({ status: 201, json: mailbox({ emailAddress: null }) }),
      "GET /email-activations/:id": ({ id }: { id?: string }) =>
        id === mailbox().id
          ? { status: 200, json: mailbox({ emailAddress: ++reads >= 2 ? "k.weber4821@gmx.com" : null }) }
          : { status: 404, json: { statusCode: 404, message: "Not Found" } },
      "DELETE /email-activations/:id": cancel,
    } satisfies Record<string, Route>;
  }

  it("refuses to buy a domain priced above --max-spend: nothing but GETs is sent", async () => {
    const report = await probe({ [DOMAINS]: domains("0.40"), ...shop() }, { buy: { maxSpend: 0.25 } });
    const last = report.results.at(-1)!;
    expect(last).toMatchObject({ request: "POST /email-activations", skipped: true, matched: true });
    expect(last.notes).toEqual(["gmx.com costs 0.40, more than --max-spend 0.25: nothing bought"]);
    expect(writes()).toEqual([]);
    expect(formatReport(report, KEY)).toMatch(/^SKIPPED {2}POST \/email-activations/m);
  });

  it("refuses a domain not offered, or out of stock", async () => {
    let report = await probe({ ...shop() }, { buy: { domain: "web.de" } });
    expect(report.results.at(-1)!.notes[0]).toMatch(/web\.de is not offered for telegram\.com/);
    await fake!.close();
    report = await probe({ [DOMAINS]: domains(0.04, 0), ...shop() }, { buy: {} });
    expect(report.results.at(-1)!.notes[0]).toMatch(/no mailbox in stock/);
    expect(writes()).toEqual([]);
  });

  it("buys one mailbox, reports the address filled by polling, then cancels it", async () => {
    const report = await probe(shop(), { buy: {} });
    expect(lines(report).slice(4)).toEqual([
      ["GET /email-activations/domains?site=telegram.com (price of gmx.com)", true],
      ['POST /email-activations {"site":"telegram.com","domain":"gmx.com"}', true],
      [expect.stringMatching(/^GET \/email-activations\/<cuid> ×2 \(address\)$/), true],
      ["DELETE /email-activations/<cuid>", true],
    ]);
    const [, buy, read, cancel] = report.results.slice(4);
    expect(buy!.notes).toEqual(["emailAddress was null in the purchase answer"]);
    expect(read!.notes[0]).toMatch(/^emailAddress filled after \d+\.\d s \(2 reads\)$/);
    expect(cancel!.notes).toEqual(["cancelled: status CANCELLED"]);
    expect(writes().map((w) => w.replace(/c[a-z0-9]{24}/, "<cuid>"))).toEqual([
      "POST /email-activations",
      "DELETE /email-activations/<cuid>",
    ]);
    expect(report.allMatched).toBe(true);
  });

  it("an address that never comes differs, and the mailbox is still cancelled", async () => {
    const report = await probe(
      {
        ...shop(),
        "GET /email-activations/:id": () => ({ status: 200, json: mailbox({ emailAddress: null }) }),
      },
      { buy: { addressWaitMs: 100 } },
    );
    const read = report.results.find((r) => r.request.includes("(address)"))!;
    expect(read.differences).toEqual(["emailAddress: still null after 0.1 s"]);
    expect(read.consequence).toMatch(/CHANNELS_LIMIT/);
    expect(writes().at(-1)).toMatch(/^DELETE /);
  });

  it("a purchase answer missing userCost differs, and what it named is cancelled", async () => {
    const { userCost: _c, ...noCost } = mailbox();
    const report = await probe(
      { ...shop(), "POST /email-activations": () => ({ status: 201, json: noCost }) },
      { buy: {} },
    );
    const buy = report.results.find((r) => r.request.startsWith("POST"))!;
    expect(buy.differences).toEqual(["userCost: missing, expected string|number"]);
    expect(buy.consequence).toMatch(/buyMailActivation/);
    expect(writes().at(-1)).toMatch(/^DELETE /);
  });

  it("a 409 before cancellableAt: cancels again once it passed", async () => {
    let deletes = 0;
    const soon = new Date(Date.now() + 300).toISOString();
    const report = await probe(
      {
        ...shop(({ id }) =>
          ++deletes === 1
            ? { status: 409, json: { statusCode: 409, message: "Too early" } }
            : { status: 200, json: mailbox({ id, status: "CANCELLED" }) },
        ),
        "GET /email-activations/:id": () => ({ status: 200, json: mailbox({ cancellableAt: soon }) }),
      },
      { buy: {} },
    );
    const cancel = report.results.at(-1)!;
    expect(cancel.request).toMatch(/^DELETE .* \(again after cancellableAt\)$/);
    expect(cancel.notes).toEqual(["cancelled: status CANCELLED"]);
    expect(deletes).toBe(2);
  });

  it("a 409 that stays: reported as not cancelled (a documented answer, not a difference)", async () => {
    const report = await probe(
      { ...shop(() => ({ status: 409, json: { statusCode: 409, message: "Conflict" } })) },
      { buy: {} },
    );
    const cancel = report.results.at(-1)!;
    expect(cancel).toMatchObject({ matched: true, status: 409 });
    expect(cancel.notes[0]).toMatch(/^NOT CANCELLED: 409/);
  });
});
