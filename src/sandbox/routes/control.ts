import { Hono } from "hono";
import { z } from "zod";
import { activationJson } from "../activations.js";
import { MAX_WAIT_MS } from "../catalog-watch.js";
import { isoSeconds } from "../clock.js";
import { HttpError, notFound } from "../errors.js";
import { faultsBodySchema } from "../faults.js";
import { readValidBody } from "../json-body.js";
import { formatMoney, isMoney, parseMoney } from "../money.js";
import type { SandboxEnv, SandboxState } from "../state.js";
import { EMAIL_CONTROL_ROUTES } from "./email-control.js";

const moneyInput = z
  .union([z.string(), z.number()])
  .transform((v) => String(v))
  .refine((v) => isMoney(v) && parseMoney(v) >= 0, "must be a non-negative amount with at most 2 decimals");

const accountBody = z.strictObject({
  apiKey: z.string().regex(/^[A-Za-z0-9_-]{8,128}$/, "must be 8–128 letters, digits, '_' or '-'"),
  balance: moneyInput,
  blocked: z.boolean().optional(),
});

const topUpBody = z.strictObject({
  apiKey: z.string().min(1),
  amount: z
    .union([z.string(), z.number()])
    .transform((v) => String(v))
    .refine((v) => isMoney(v) && parseMoney(v) > 0, "must be a positive amount with at most 2 decimals"),
});

const smsBody = z
  .strictObject({
    activationId: z.string().min(1).optional(),
    phoneNumber: z
      .string()
      .regex(/^\+?\d{6,16}$/, "must be digits with the country code")
      .optional(),
    text: z.string().min(1).max(1000).optional(),
  })
  .refine(
    (b) => (b.activationId === undefined) !== (b.phoneNumber === undefined),
    "give exactly one of activationId, phoneNumber",
  );

const offerBody = z.strictObject({
  serviceCode: z.string().min(1),
  countryIso: z.string().length(2),
  price: moneyInput.optional(),
  stock: z.number().int().min(0).optional(),
});

const count = (max: number) =>
  z
    .string()
    .regex(/^-?\d{1,9}$/, "must be a whole number")
    .transform(Number)
    .refine((n) => n >= -1 && n <= max, `must be -1 to ${max}`);

/** A gateway's long-poll: its id, the instance and version it has applied, how long to wait. */
const versionQuery = z.strictObject({
  watcher: z
    .string()
    .regex(/^[\w-]{1,64}$/, "must be 1–64 letters, digits, '_' or '-'")
    .optional(),
  instance: z.string().max(64).optional(),
  after: count(2 ** 30).optional(),
  waitMs: count(MAX_WAIT_MS).optional(),
});

export const CONTROL_ROUTES = [
  "GET  /sandbox                      this list",
  'POST /sandbox/accounts             {"apiKey","balance"[,"blocked"]} create or reset an account',
  'POST /sandbox/accounts/top-up      {"apiKey","amount"} add to an account\'s balance (a DEPOSIT)',
  'POST /sandbox/sms                  {"activationId"}|{"phoneNumber"} [,"text"] deliver an SMS now',
  'PUT  /sandbox/faults               {"rules":[…]} set fault injection ({"rules":[]} clears)',
  "GET  /sandbox/faults               current fault rules",
  'PUT  /sandbox/offers               {"serviceCode","countryIso"[,"price"][,"stock"]} change an offer',
  "GET  /sandbox/catalog/version      catalogue version (offer changes); gateways long-poll it",
  "GET  /sandbox/activations          every activation of every account (?apiKey= filters)",
  "POST /sandbox/activations/:id/expire end the activation's window now (EXPIRED + refund, or COMPLETED)",
  ...EMAIL_CONTROL_ROUTES,
  "GET  /sandbox/stats                purchases, refunds (numbers and email), requests per route",
  "POST /sandbox/stats/reset          zero the counters",
];

/** Control routes for testers: no key, no rate limit, no faults. */
export function controlRoutes(state: SandboxState): Hono<SandboxEnv> {
  const { accounts, activations, catalog, catalogWatch, clock, faults, stats } = state;
  const control = new Hono<SandboxEnv>();

  control.get("/", (c) => c.json({ routes: CONTROL_ROUTES }));

  control.post("/accounts", async (c) => {
    const body = await readValidBody(c, accountBody);
    const existing = accounts.find(body.apiKey);
    if (existing) {
      activations.forgetAccount(existing);
      state.emailActivations.forgetAccount(existing);
    }
    const { account, created } = accounts.open(body.apiKey, parseMoney(body.balance), body.blocked ?? false);
    return c.json(
      {
        apiKey: account.apiKey,
        balance: formatMoney(account.wallet.balanceCents),
        currency: catalog.currency,
        blocked: account.blocked,
      },
      created ? 201 : 200,
    );
  });

  // The answer never carries the key: a console in front of the sandbox may pass it on.
  control.post("/accounts/top-up", async (c) => {
    const body = await readValidBody(c, topUpBody);
    const account = accounts.find(body.apiKey);
    if (!account) throw notFound("Account not found");
    account.wallet.deposit(parseMoney(body.amount));
    return c.json({ balance: formatMoney(account.wallet.balanceCents), currency: catalog.currency });
  });

  control.post("/sms", async (c) => {
    const body = await readValidBody(c, smsBody);
    const activation =
      body.activationId !== undefined
        ? activations.findAny(body.activationId)
        : activations.newestWaitingOn(body.phoneNumber!.replace(/^\+/, ""));
    if (!activation) {
      throw notFound(
        body.activationId !== undefined ? "Activation not found" : "No waiting activation on that number",
      );
    }
    activations.deliverSms(activation, body.text);
    return c.json(activationJson(activation, clock.now(), catalog.currency));
  });

  control.get("/faults", (c) => c.json({ rules: faults.list() }));

  control.put("/faults", async (c) => {
    faults.set((await readValidBody(c, faultsBodySchema)).rules);
    return c.json({ rules: faults.list() });
  });

  control.put("/offers", async (c) => {
    const body = await readValidBody(c, offerBody);
    const service = catalog.findService(body.serviceCode);
    const iso = body.countryIso.toUpperCase();
    if (!service) throw notFound("Service not found");
    if (!catalog.findCountry(iso)) throw notFound("Country not found");
    const offer = catalog.setOffer(service.code, iso, {
      priceCents: body.price === undefined ? undefined : parseMoney(body.price),
      stock: body.stock,
    });
    // Answered once the gateways watching the catalogue have reloaded this service (bounded).
    await catalogWatch.settled(catalogWatch.changed(service.code));
    return c.json({
      serviceCode: service.code,
      countryIso: iso,
      price: formatMoney(offer.priceCents),
      stock: offer.stock,
    });
  });

  control.get("/catalog/version", async (c) => {
    const query = versionQuery.safeParse(c.req.query());
    if (!query.success)
      throw new HttpError(
        400,
        query.error.issues.map((i) => `${i.path.join(".")} ${i.message}`),
      );
    const { watcher, instance, after, waitMs } = query.data;
    if (watcher === undefined) return c.json(catalogWatch.current());
    return c.json(
      await catalogWatch.poll(watcher, instance ?? "", after ?? -1, waitMs ?? 25_000, c.req.raw.signal),
    );
  });

  control.get("/activations", (c) => {
    const apiKey = c.req.query("apiKey");
    if (apiKey !== undefined && !accounts.find(apiKey)) throw new HttpError(404, "Account not found");
    const data = [...activations.all()]
      .reverse()
      .filter((a) => apiKey === undefined || a.account.apiKey === apiKey)
      .map((a) => ({
        id: a.id,
        account: a.account.keyHash,
        status: a.status,
        serviceCode: a.serviceCode,
        countryIso: a.countryIso,
        phoneNumber: a.phoneNumber,
        userCost: formatMoney(a.costCents),
        smsCode: a.smsCode,
        createdAt: isoSeconds(a.createdAt),
      }));
    return c.json({ data });
  });

  control.post("/activations/:id/expire", (c) => {
    const activation = activations.findAny(c.req.param("id"));
    if (!activation) throw notFound("Activation not found");
    activations.expireNow(activation);
    return c.json(activationJson(activation, clock.now(), catalog.currency));
  });

  control.get("/stats", (c) => c.json(stats.toJson()));

  control.post("/stats/reset", (c) => {
    stats.reset();
    return c.json(stats.toJson());
  });

  return control;
}
