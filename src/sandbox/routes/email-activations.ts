import { Hono } from "hono";
import { requireAccount } from "../auth.js";
import { type EmailActivation, emailActivationJson } from "../email-model.js";
import { badRequest, notFound } from "../errors.js";
import { readJsonBody } from "../json-body.js";
import type { SandboxEnv, SandboxState } from "../state.js";

const NAME = /^[a-z0-9.-]{1,253}$/i;

/** NestJS ValidationPipe-style checks of `{site, domain}`; every problem is listed. */
function parsePurchaseBody(body: unknown): { site: string; domain: string } {
  const fields =
    typeof body === "object" && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : {};
  const problems: string[] = [];
  for (const name of ["site", "domain"] as const) {
    const value = fields[name];
    if (value === undefined || value === null || value === "") {
      problems.push(`${name} should not be empty`, `${name} must be a string`);
    } else if (typeof value !== "string") problems.push(`${name} must be a string`);
    else if (!NAME.test(value)) problems.push(`${name} must be a domain name`);
  }
  if (problems.length > 0) throw badRequest(problems);
  return { site: (fields.site as string).toLowerCase(), domain: (fields.domain as string).toLowerCase() };
}

/** `limit` 1–100, default 50; the email list has no cursor. */
function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return 50;
  const limit = /^\d{1,3}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(limit >= 1 && limit <= 100)) throw badRequest(["limit must not be less than 1 or greater than 100"]);
  return limit;
}

export function emailActivationRoutes(state: SandboxState): Hono<SandboxEnv> {
  const { emailActivations, emailCatalog } = state;
  const api = new Hono<SandboxEnv>();
  const auth = requireAccount(state);
  const view = (m: EmailActivation) => emailActivationJson(m, emailCatalog.currency);
  const mine = (account: SandboxEnv["Variables"]["account"], id: string) => emailActivations.get(account, id);

  api.get("/email-activations/domains", auth, (c) => {
    const site = c.req.query("site");
    if (site === undefined || site.trim() === "") {
      throw badRequest(["site should not be empty", "site must be a string"]);
    }
    const domains = emailCatalog.domains(site.trim());
    if (!domains) throw notFound(`Site "${site}" not found`);
    return c.json(
      domains.map((d) => ({
        name: d.name,
        price: d.priceCents / 100,
        count: d.stock,
        currency: emailCatalog.currency,
      })),
    );
  });

  api.post("/email-activations", auth, async (c) => {
    const { site, domain } = parsePurchaseBody(await readJsonBody(c));
    // No await from here on: the stock check and the debit happen in one synchronous step.
    return c.json(view(emailActivations.purchase(c.var.account, site, domain)), 201);
  });

  api.get("/email-activations", auth, (c) => {
    const limit = parseLimit(c.req.query("limit"));
    const data = [...emailActivations.of(c.var.account)].reverse().slice(0, limit).map(view);
    return c.json({ data });
  });

  api.get("/email-activations/:id", auth, (c) => c.json(view(mine(c.var.account, c.req.param("id")))));

  api.post("/email-activations/:id/reorder", auth, (c) =>
    c.json(view(emailActivations.reorder(mine(c.var.account, c.req.param("id"))))),
  );

  api.delete("/email-activations/:id", auth, (c) =>
    c.json(view(emailActivations.cancel(mine(c.var.account, c.req.param("id"))))),
  );

  return api;
}
