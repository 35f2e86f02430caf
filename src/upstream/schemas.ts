import { z } from "zod";

/**
 * The native `/api/v1` shapes the gateway accepts (docs/native-api.md), in one place.
 * Anything that does not parse is an upstream error (`invalid_response`), never a crash.
 */

export const money = z.union([z.string(), z.number()]).transform((v) => String(v));

const activationStatusSchema = z.string();

export const activationSchema = z.object({
  id: z.string().min(1),
  phoneNumber: z.string(),
  status: activationStatusSchema,
  serviceCode: z.string().nullish(),
  countryIso: z.string().nullish(),
  operator: z.string().nullish(),
  smsCode: z.string().nullish(),
  smsText: z.string().nullish(),
  userCost: money,
  currency: z.string().nullish(),
  cancellable: z.boolean().nullish(),
  cancellableAt: z.string().nullish(),
  createdAt: z.string().nullish(),
  expiresAt: z.string().nullish(),
  receivedAt: z.string().nullish(),
});
export type Activation = z.infer<typeof activationSchema>;

/** `{"data":[…],"nextCursor":…}`; some servers say `items`. */
export const activationPageSchema = z
  .object({
    data: z.array(activationSchema).optional(),
    items: z.array(activationSchema).optional(),
    nextCursor: z.string().nullish(),
  })
  .transform((p) => ({ data: p.data ?? p.items ?? [], nextCursor: p.nextCursor ?? null }));
export type ActivationPage = z.infer<typeof activationPageSchema>;

export const balanceSchema = z.object({ balance: money, currency: z.string().nullish() });
export type Balance = z.infer<typeof balanceSchema>;

const transactionSchema = z.object({
  id: z.string(),
  type: z.string(),
  amount: money,
  balanceAfter: money.nullish(),
  activationId: z.string().nullish(),
  createdAt: z.string().nullish(),
});
export const transactionPageSchema = z
  .object({
    data: z.array(transactionSchema).optional(),
    items: z.array(transactionSchema).optional(),
    nextCursor: z.string().nullish(),
  })
  .transform((p) => ({ data: p.data ?? p.items ?? [], nextCursor: p.nextCursor ?? null }));

/** A list that may be wrapped in `{"data":[…]}` or sent bare. */
export function listOf<T extends z.ZodType>(item: T) {
  return z
    .union([z.array(item), z.object({ data: z.array(item) })])
    .transform((v) => (Array.isArray(v) ? v : v.data));
}

const countrySchema = z.object({
  isoCode: z.string(),
  name: z.string().nullish(),
  slug: z.string().nullish(),
});
export const countryListSchema = listOf(countrySchema);
export type Country = z.infer<typeof countrySchema>;

export const serviceSchema = z.object({
  code: z.string(),
  slug: z.string().nullish(),
  name: z.string(),
  minPrice: money.nullish(),
  stock: z.number().nullish(),
});
export const serviceListSchema = listOf(serviceSchema);
export type Service = z.infer<typeof serviceSchema>;

const offerSchema = z.object({
  isoCode: z.string(),
  slug: z.string().nullish(),
  name: z.string().nullish(),
  price: money,
  currency: z.string().nullish(),
  stock: z.number(),
  availability: z.string().nullish(),
});
export const serviceCountriesSchema = z
  .union([z.object({ countries: z.array(offerSchema) }), z.object({ data: z.array(offerSchema) })])
  .transform((v) => ("countries" in v ? v.countries : v.data));
export type Offer = z.infer<typeof offerSchema>;

/** NestJS-style error body: its presence on a 503 is what tells a stockout from an outage. */
export const errorBodySchema = z.object({
  statusCode: z.number(),
  message: z.union([z.string(), z.array(z.string())]),
  error: z.string().optional(),
});
