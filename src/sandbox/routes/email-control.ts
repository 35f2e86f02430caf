import { Hono } from "hono";
import { z } from "zod";
import { isoSeconds } from "../clock.js";
import { emailActivationJson } from "../email-model.js";
import { HttpError, notFound } from "../errors.js";
import { readValidBody } from "../json-body.js";
import { formatMoney, isMoney, parseMoney } from "../money.js";
import type { SandboxEnv, SandboxState } from "../state.js";

const emailBody = z
  .strictObject({
    activationId: z.string().min(1),
    html: z.string().min(1).max(100_000).optional(),
    text: z.string().min(1).max(100_000).optional(),
  })
  .refine((b) => b.html === undefined || b.text === undefined, "give at most one of html, text");

const domainName = z.string().regex(/^[a-z0-9.-]{1,253}$/i, "must be a domain name");
const domainBody = z.strictObject({
  site: domainName,
  domain: domainName,
  price: z
    .union([z.string(), z.number()])
    .transform((v) => String(v))
    .refine((v) => isMoney(v) && parseMoney(v) >= 0, "must be a non-negative amount with at most 2 decimals")
    .optional(),
  stock: z.number().int().min(0).optional(),
});

export const EMAIL_CONTROL_ROUTES = [
  'POST /sandbox/email                {"activationId"[,"html"|"text"]} deliver an email now',
  "GET  /sandbox/email-activations    every mailbox of every account (?apiKey= filters)",
  "POST /sandbox/email-activations/:id/expire end the mailbox's window now (EXPIRED + refund, or COMPLETED)",
  'PUT  /sandbox/email-domains        {"site","domain"[,"price"][,"stock"]} create or change a domain offer',
];

/** The email product's control routes (under /sandbox: no key, no rate limit, no faults). */
export function emailControlRoutes(state: SandboxState): Hono<SandboxEnv> {
  const { accounts, emailActivations, emailCatalog } = state;
  const control = new Hono<SandboxEnv>();
  const find = (id: string) => {
    const mailbox = emailActivations.findAny(id);
    if (!mailbox) throw notFound("Email activation not found");
    return mailbox;
  };

  control.post("/email", async (c) => {
    const body = await readValidBody(c, emailBody);
    const mailbox = emailActivations.deliver(find(body.activationId), body.html ?? body.text);
    return c.json(emailActivationJson(mailbox, emailCatalog.currency));
  });

  control.get("/email-activations", (c) => {
    const apiKey = c.req.query("apiKey");
    if (apiKey !== undefined && !accounts.find(apiKey)) throw new HttpError(404, "Account not found");
    const data = [...emailActivations.all()]
      .reverse()
      .filter((m) => apiKey === undefined || m.account.apiKey === apiKey)
      .map((m) => ({
        id: m.id,
        account: m.account.keyHash,
        status: m.status,
        site: m.site,
        domain: m.domain,
        emailAddress: m.emailAddress,
        userCost: formatMoney(m.costCents),
        otpValue: m.otpValue,
        createdAt: isoSeconds(m.createdAt),
      }));
    return c.json({ data });
  });

  control.post("/email-activations/:id/expire", (c) =>
    c.json(emailActivationJson(emailActivations.expireNow(find(c.req.param("id"))), emailCatalog.currency)),
  );

  control.put("/email-domains", async (c) => {
    const body = await readValidBody(c, domainBody);
    const offer = emailCatalog.setOffer(body.site, body.domain, {
      priceCents: body.price === undefined ? undefined : parseMoney(body.price),
      stock: body.stock,
    });
    return c.json({
      site: body.site.toLowerCase(),
      domain: offer.name,
      price: formatMoney(offer.priceCents),
      stock: offer.stock,
    });
  });

  return control;
}
