import { Hono } from "hono";
import { notFound } from "../errors.js";
import { formatMoney } from "../money.js";
import type { SandboxEnv, SandboxState } from "../state.js";

/** Public catalogue routes (no key). */
export function catalogRoutes(state: SandboxState): Hono<SandboxEnv> {
  const { catalog } = state;
  const api = new Hono<SandboxEnv>();

  api.get("/countries", (c) =>
    c.json({ data: catalog.countries.map(({ isoCode, name, slug }) => ({ isoCode, name, slug })) }),
  );

  api.get("/services", (c) => c.json({ data: catalog.services.map((s) => catalog.serviceSummary(s)) }));

  api.get("/services/:codeOrSlug", (c) => {
    const service = catalog.findService(c.req.param("codeOrSlug"));
    if (!service) throw notFound("Service not found");
    return c.json(catalog.serviceSummary(service));
  });

  api.get("/services/:codeOrSlug/countries", (c) => {
    const service = catalog.findService(c.req.param("codeOrSlug"));
    if (!service) throw notFound("Service not found");
    const countries = catalog.inStockCountries(service.code).map(({ country, offer }) => ({
      isoCode: country.isoCode,
      slug: country.slug,
      name: country.name,
      price: formatMoney(offer.priceCents),
      currency: catalog.currency,
      stock: offer.stock,
      availability: "ok",
    }));
    return c.json({ countries });
  });

  return api;
}
