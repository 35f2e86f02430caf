import { z } from "zod";
import { centsToFixed2, toCents } from "./money.js";

/**
 * A gateway key's spend limits (KEYS_FILE `limits`, or settings for every upstream key), each
 * optional. Money is held in integer cents. Pure: the store keeps the counts, this decides.
 */
export const spendLimitsSchema = z.object({
  /** spend per UTC day */
  dailyCents: z.number().int().nonnegative().optional(),
  /** spend in total, never reset */
  totalCents: z.number().int().nonnegative().optional(),
  /** the highest price of one purchase: a bot's own maxPrice can only lower it */
  maxPriceCents: z.number().int().nonnegative().optional(),
  /** legacy service codes allowed (mailboxes: the site) */
  services: z.array(z.string().min(1)).optional(),
  /** legacy country ids allowed (mailboxes are not in a country) */
  countries: z.array(z.number().int().nonnegative()).optional(),
  /** live activations and mailboxes at once */
  maxLive: z.number().int().positive().optional(),
  /** purchases per minute */
  perMinute: z.number().int().positive().optional(),
});
export type SpendLimits = z.infer<typeof spendLimitsSchema>;

/** What a key has used, as the store counts it (reservations included). */
export interface SpendUsage {
  todayCents: number;
  totalCents: number;
  live: number;
  lastMinute: number;
  reservedCents?: number | undefined;
}

export type LimitReason = "daily" | "total" | "max_price" | "service" | "country" | "live" | "rate";

/** Which limit a purchase at `priceCents` would break; undefined when it may go ahead. */
export function limitBroken(
  limits: SpendLimits,
  order: { service: string; countryId?: number | undefined; priceCents: number },
  usage: SpendUsage,
): LimitReason | undefined {
  if (limits.services && !limits.services.includes(order.service)) return "service";
  if (limits.countries && order.countryId !== undefined && !limits.countries.includes(order.countryId))
    return "country";
  if (limits.maxPriceCents !== undefined && order.priceCents > limits.maxPriceCents) return "max_price";
  if (limits.maxLive !== undefined && usage.live >= limits.maxLive) return "live";
  if (limits.perMinute !== undefined && usage.lastMinute >= limits.perMinute) return "rate";
  if (limits.dailyCents !== undefined && usage.todayCents + order.priceCents > limits.dailyCents)
    return "daily";
  if (limits.totalCents !== undefined && usage.totalCents + order.priceCents > limits.totalCents)
    return "total";
  return undefined;
}

/** What the key may still spend, in cents (undefined: no money limit). */
export function remainingCents(limits: SpendLimits, usage: SpendUsage): number | undefined {
  const left = [
    limits.dailyCents === undefined ? undefined : limits.dailyCents - usage.todayCents,
    limits.totalCents === undefined ? undefined : limits.totalCents - usage.totalCents,
  ].filter((v): v is number => v !== undefined);
  return left.length === 0 ? undefined : Math.max(0, Math.min(...left));
}

export const hasLimits = (limits: SpendLimits | undefined): limits is SpendLimits =>
  limits !== undefined && Object.values(limits).some((v) => v !== undefined);

/** The CLI's and the settings' words for each limit. */
export interface LimitArgs {
  daily?: string | undefined;
  total?: string | undefined;
  maxPrice?: string | undefined;
  services?: string | undefined;
  countries?: string | undefined;
  maxLive?: string | undefined;
  rate?: string | undefined;
}

/** Parses `--daily 5 --services tg,wa …` into limits; throws a one-line Error naming the flag. */
export function parseLimitArgs(args: LimitArgs): SpendLimits {
  const money = (flag: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    const cents = toCents(value);
    if (cents === undefined || cents < 0 || !/^\d+(\.\d{1,2})?$/.test(value.trim()))
      throw new Error(`--${flag} must be an amount in USD, e.g. 5 or 0.50`);
    return cents;
  };
  const count = (flag: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    if (!/^[1-9]\d{0,6}$/.test(value.trim())) throw new Error(`--${flag} must be a whole number from 1`);
    return Number(value);
  };
  const list = (flag: string, value: string | undefined, item: RegExp) => {
    if (value === undefined) return undefined;
    const items = value
      .split(",")
      .map((v) => v.trim())
      .filter((v) => v !== "");
    if (items.length === 0 || items.some((v) => !item.test(v)))
      throw new Error(
        `--${flag} must be a comma-separated list, e.g. ${flag === "countries" ? "0,62" : "tg,wa"}`,
      );
    return items;
  };
  const limits: SpendLimits = {
    dailyCents: money("daily", args.daily),
    totalCents: money("total", args.total),
    maxPriceCents: money("max-price", args.maxPrice),
    services: list("services", args.services, /^[a-z0-9_.-]{1,100}$/i),
    countries: list("countries", args.countries, /^\d{1,4}$/)?.map(Number),
    maxLive: count("max-live", args.maxLive),
    perMinute: count("rate", args.rate),
  };
  return Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)) as SpendLimits;
}

/** `daily 5.00, services tg,wa, live 10` (or `no limits`), for the CLI and logs. */
export function describeLimits(limits: SpendLimits | undefined): string {
  if (!hasLimits(limits)) return "no limits";
  const parts = [
    limits.dailyCents !== undefined && `daily ${centsToFixed2(limits.dailyCents)}`,
    limits.totalCents !== undefined && `total ${centsToFixed2(limits.totalCents)}`,
    limits.maxPriceCents !== undefined && `max price ${centsToFixed2(limits.maxPriceCents)}`,
    limits.services && `services ${limits.services.join(",")}`,
    limits.countries && `countries ${limits.countries.join(",")}`,
    limits.maxLive !== undefined && `live ${limits.maxLive}`,
    limits.perMinute !== undefined && `rate ${limits.perMinute}/min`,
  ];
  return parts.filter((p): p is string => typeof p === "string").join(", ");
}

/** `today 1.20 of 5.00, total 3.40, live 2 of 10, may spend 3.80`. */
export function describeUsage(limits: SpendLimits | undefined, usage: SpendUsage): string {
  const of = (cap: number | undefined) => (cap === undefined ? "" : ` of ${centsToFixed2(cap)}`);
  const left = limits ? remainingCents(limits, usage) : undefined;
  return [
    `today ${centsToFixed2(usage.todayCents)}${of(limits?.dailyCents)}`,
    `total ${centsToFixed2(usage.totalCents)}${of(limits?.totalCents)}`,
    `live ${usage.live}${limits?.maxLive === undefined ? "" : ` of ${limits.maxLive}`}`,
    `last minute ${usage.lastMinute}${limits?.perMinute === undefined ? "" : ` of ${limits.perMinute}`}`,
    ...(left === undefined ? [] : [`may spend ${centsToFixed2(left)}`]),
  ].join(", ");
}
