import type { Context, Hono } from "hono";
import { z } from "zod";
import type { CountryTable } from "../mapping/countries.js";
import { activationSchema } from "../upstream/schemas.js";
import { type ConsoleEnv, notFound } from "./access.js";
import type { ConsoleData } from "./data.js";
import { FAULT_PRESETS, PRESET_LIST } from "./fault-presets.js";
import type { SandboxAnswer, SandboxLink } from "./sandbox-link.js";
import type { ActivationChanged, SandboxAnswers, SandboxFaults, SandboxRefusal } from "./views.js";

/**
 * `POST /console/api/sandbox/*`: the console's buttons, when the upstream is a sandbox
 * (docs/native-api.md §8.3). Activations are named by their legacy id and keys by the console's
 * reference: the console looks up the upstream id, or the upstream key (memory only), itself, and
 * never answers with a key. What a call changed on an activation is put on the board at once.
 */
export interface SandboxActionDeps {
  data: ConsoleData;
  link: SandboxLink;
  countries: CountryTable;
  /** the upstream key of an owner seen recently (memory only) */
  upstreamKeyOf: (owner: string) => string | undefined;
}

const money = z
  .union([z.string(), z.number()])
  .transform((v) => String(v).trim())
  .refine((v) => /^\d{1,9}(\.\d{1,2})?$/.test(v), "must be an amount with at most 2 decimals");

const activationBody = z.object({
  id: z.coerce.number().int().min(1).max(2_147_483_647),
  text: z.string().trim().min(1).max(1000).optional(),
});
const offerBody = z.object({
  service: z.string().trim().min(1).max(64),
  country: z.string().trim().min(1).max(8),
  price: money.optional(),
  stock: z.coerce.number().int().min(0).max(10_000_000).optional(),
});
const topUpBody = z.object({ key: z.string().min(1).max(64), amount: money });
const accountBody = z.object({ apiKey: z.string().min(1).max(128), balance: money });
const faultsBody = z.object({ preset: z.string() });

async function body<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T> | Response> {
  const json: unknown = await c.req.json().catch(() => undefined);
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  return c.json(
    {
      error: parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; "),
    } satisfies SandboxRefusal,
    400,
  );
}

/** The sandbox's refusal as the console's answer, with any echo of `secret` taken out. */
function refused(c: Context, answer: SandboxAnswer, secret?: string): Response {
  const message: unknown = answer.body?.message;
  let text = Array.isArray(message)
    ? message.join("; ")
    : String(message ?? `sandbox answered ${answer.status}`);
  if (secret) text = text.split(secret).join("[key]");
  const status = answer.status >= 400 && answer.status < 500 ? answer.status : 502;
  return c.json({ error: text } satisfies SandboxRefusal, status as 400);
}

export function sandboxRoutes(app: Hono<ConsoleEnv>, deps: SandboxActionDeps | undefined): void {
  if (!deps) {
    app.all("/api/sandbox/*", (c) => c.json({ error: "the upstream is not a sandbox" }, 404));
    return;
  }
  const { data, link, countries } = deps;
  let preset = "clear";

  app.get("/api/sandbox", (c) =>
    c.json({
      preset,
      presets: PRESET_LIST,
    } satisfies SandboxFaults),
  );

  /** Deliver an SMS now, or end the window now: then the board shows the new state. */
  const onActivation =
    (act: (upstreamId: string, text?: string) => Promise<SandboxAnswer>) =>
    async (c: Context<ConsoleEnv>) => {
      const input = await body(c, activationBody);
      if (input instanceof Response) return input;
      data.recorder.fold();
      const entry = data.board.get(input.id);
      if (!entry) return c.json({ error: `activation ${input.id} is not on the board` }, 404);
      const answer = await act(entry.activation.id, input.text);
      if (answer.status !== 200) return refused(c, answer);
      const activation = activationSchema.safeParse(answer.body);
      if (activation.success)
        data.board.apply({
          at: Date.now(),
          owner: entry.owner,
          numericId: entry.numericId,
          countryId: entry.countryId,
          activation: activation.data,
        });
      const [row] = await data.activations([data.board.get(input.id) ?? entry]);
      return c.json({ ok: true, activation: row } satisfies ActivationChanged);
    };
  app.post(
    "/api/sandbox/sms",
    onActivation((id, text) => link.deliverSms(id, text)),
  );
  app.post(
    "/api/sandbox/expire",
    onActivation((id) => link.expire(id)),
  );

  app.post("/api/sandbox/offer", async (c) => {
    const input = await body(c, offerBody);
    if (input instanceof Response) return input;
    const country = countries.parse(input.country);
    if (!country) return c.json({ error: `unknown country ${input.country}` }, 400);
    const answer = await link.setOffer({
      serviceCode: input.service,
      countryIso: country.iso,
      price: input.price,
      stock: input.stock,
    });
    if (answer.status !== 200) return refused(c, answer);
    const { serviceCode, countryIso, price, stock } = answer.body ?? {};
    return c.json({
      ok: true,
      offer: { serviceCode, countryId: country.id, countryIso, price, stock },
    } satisfies SandboxAnswers["offer"]);
  });

  app.post("/api/sandbox/top-up", async (c) => {
    const input = await body(c, topUpBody);
    if (input instanceof Response) return input;
    const owner = data.keys.ownerOfRef(input.key);
    const upstreamKey = owner === undefined ? undefined : deps.upstreamKeyOf(owner);
    if (!owner || !upstreamKey)
      return c.json({ error: "no upstream key known for that key (make a request with it first)" }, 404);
    const answer = await link.topUp(upstreamKey, input.amount);
    if (answer.status !== 200) return refused(c, answer, upstreamKey);
    return c.json({
      ok: true,
      who: data.keys.whoOf(owner),
      balance: answer.body?.balance,
      currency: answer.body?.currency,
    } satisfies SandboxAnswers["top-up"]);
  });

  app.post("/api/sandbox/account", async (c) => {
    const input = await body(c, accountBody);
    if (input instanceof Response) return input;
    const answer = await link.createAccount(input.apiKey, input.balance);
    if (answer.status !== 200 && answer.status !== 201) return refused(c, answer, input.apiKey);
    return c.json({
      ok: true,
      created: answer.status === 201,
      balance: answer.body?.balance,
      currency: answer.body?.currency,
    } satisfies SandboxAnswers["account"]);
  });

  app.post("/api/sandbox/faults", async (c) => {
    const input = await body(c, faultsBody);
    if (input instanceof Response) return input;
    const chosen = Object.hasOwn(FAULT_PRESETS, input.preset) ? FAULT_PRESETS[input.preset] : undefined;
    if (!chosen) return notFound(c);
    const answer = await link.setFaults(chosen.rules);
    if (answer.status !== 200) return refused(c, answer);
    preset = input.preset;
    return c.json({ ok: true, preset, label: chosen.label } satisfies SandboxAnswers["faults"]);
  });
}
