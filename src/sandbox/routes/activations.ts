import { Hono } from "hono";
import { activationJson, type PurchaseRequest } from "../activations.js";
import { requireAccount } from "../auth.js";
import { badRequest } from "../errors.js";
import { readJsonBody } from "../json-body.js";
import { ACTIVATION_STATUSES, type ActivationStatus } from "../model.js";
import { pageNewestFirst, parsePageQuery } from "../pagination.js";
import type { SandboxEnv, SandboxState } from "../state.js";

/** NestJS ValidationPipe-style checks of the purchase body; every problem is listed. */
function parsePurchaseBody(body: unknown): PurchaseRequest {
  const fields =
    typeof body === "object" && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : {};
  const problems: string[] = [];
  const { serviceCode, countryIso, operator } = fields;

  if (serviceCode === undefined || serviceCode === null || serviceCode === "") {
    problems.push("serviceCode should not be empty", "serviceCode must be a string");
  } else if (typeof serviceCode !== "string") problems.push("serviceCode must be a string");
  else if (!/^[a-z0-9_]{1,16}$/i.test(serviceCode))
    problems.push("serviceCode must match /^[a-z0-9_]{1,16}$/");

  if (countryIso === undefined || countryIso === null || countryIso === "") {
    problems.push("countryIso should not be empty", "countryIso must be a string");
  } else if (typeof countryIso !== "string") problems.push("countryIso must be a string");
  else if (!/^[a-z]{2}$/i.test(countryIso)) problems.push("countryIso must be an ISO 3166-1 alpha-2 code");

  if (operator !== undefined && operator !== null && typeof operator !== "string") {
    problems.push("operator must be a string");
  }
  if (problems.length > 0) throw badRequest(problems);

  const op =
    typeof operator === "string" && operator.trim() !== "" && operator.toLowerCase() !== "any"
      ? operator
      : null;
  return {
    serviceCode: (serviceCode as string).toLowerCase(),
    countryIso: (countryIso as string).toUpperCase(),
    operator: op,
  };
}

function parseStatusFilter(raw: string | undefined): Set<ActivationStatus> | null {
  if (raw === undefined || raw.trim() === "") return null;
  const wanted = raw.split(",").map((s) => s.trim().toUpperCase());
  const unknown = wanted.filter((s) => !(ACTIVATION_STATUSES as readonly string[]).includes(s));
  if (unknown.length > 0) {
    throw badRequest([`status must be a comma-separated list of ${ACTIVATION_STATUSES.join(", ")}`]);
  }
  return new Set(wanted as ActivationStatus[]);
}

export function activationRoutes(state: SandboxState): Hono<SandboxEnv> {
  const { activations, clock, catalog } = state;
  const api = new Hono<SandboxEnv>();
  const auth = requireAccount(state);
  const view = (a: Parameters<typeof activationJson>[0]) => activationJson(a, clock.now(), catalog.currency);

  api.post("/activations", auth, async (c) => {
    const request = parsePurchaseBody(await readJsonBody(c));
    // No await from here on: the balance check and the debit happen in one synchronous step.
    const activation = activations.purchase(c.var.account, request);
    return c.json(view(activation), 201);
  });

  api.get("/activations", auth, (c) => {
    const query = parsePageQuery(c.req.query());
    const statuses = parseStatusFilter(c.req.query("status"));
    const page = pageNewestFirst(
      c.var.account.activations,
      query,
      (a) => !statuses || statuses.has(a.status),
    );
    return c.json({ data: page.data.map(view), nextCursor: page.nextCursor });
  });

  api.get("/activations/:id", auth, (c) => c.json(view(activations.get(c.var.account, c.req.param("id")))));

  api.delete("/activations/:id", auth, (c) =>
    c.json(view(activations.cancel(activations.get(c.var.account, c.req.param("id"))))),
  );

  api.post("/activations/:id/complete", auth, (c) =>
    c.json(view(activations.complete(activations.get(c.var.account, c.req.param("id"))))),
  );

  api.post("/activations/:id/request-resend", auth, (c) =>
    c.json(view(activations.requestResend(activations.get(c.var.account, c.req.param("id"))))),
  );

  return api;
}
