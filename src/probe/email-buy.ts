import {
  type EmailActivation,
  emailActivationSchema,
  emailDomainListSchema,
} from "../upstream/email-schemas.js";
import { checked, type Parsed } from "./checked-call.js";
import { cancelMailbox } from "./email-cancel.js";
import type { CallTarget } from "./http.js";
import type { ProbeResult } from "./types.js";

/** `--buy-email SITE:DOMAIN --max-spend USD`: the one purchase the probe may make. */
export interface EmailOrder {
  site: string;
  domain: string;
  maxSpend: number;
  /** how long to poll for the address (default 30 s) */
  addressWaitMs?: number;
  pollMs?: number;
  /** the longest wait for `cancellableAt` before cancelling again (default 60 s) */
  cancelWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const CONSEQUENCE = {
  buy: "buyMailActivation (V1) and POST /emails (V2) would answer ERROR_SQL after charging: the orphan settler would cancel each mailbox",
  read: "checkMailActivation would answer ERROR_SQL, and a purchase waiting for its address would end in CHANNELS_LIMIT",
  address:
    "the gateway waits EMAIL_ADDRESS_WAIT_MS for the address, then answers CHANNELS_LIMIT and cancels the mailbox: every purchase would be refused (raise EMAIL_ADDRESS_WAIT_MS)",
};

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Reads the domain's price, buys one mailbox if it is within `maxSpend`, polls it until it has an
 * address (bounded), then cancels it for a refund. Never buys more than once, never retries the
 * purchase.
 */
export async function probeEmailPurchase(target: CallTarget, order: EmailOrder): Promise<ProbeResult[]> {
  const sleep = order.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const results: ProbeResult[] = [];
  const domainsPath = `/email-activations/domains?${new URLSearchParams({ site: order.site })}`;
  const price = await checked(
    target,
    { path: domainsPath, withKey: true },
    `GET ${domainsPath} (price of ${order.domain})`,
    [200],
    emailDomainListSchema,
    "getDomains and buyMailActivation would answer ERROR_SQL",
  );
  results.push(price.result);
  const skipBuy = (why: string) => {
    results.push({
      name: "POST /email-activations",
      request: "POST /email-activations",
      matched: true,
      skipped: true,
      differences: [],
      notes: [`${why}: nothing bought`],
    });
    return results;
  };
  if (!price.data) return skipBuy("the price could not be read");
  const offer = price.data.find((d) => d.name === order.domain);
  if (!offer) return skipBuy(`${order.domain} is not offered for ${order.site}`);
  const cost = Number(offer.price);
  if (!Number.isFinite(cost) || cost > order.maxSpend) {
    return skipBuy(`${order.domain} costs ${offer.price}, more than --max-spend ${order.maxSpend}`);
  }
  if (offer.count === 0) return skipBuy(`${order.domain} shows no mailbox in stock (count 0)`);
  price.result.notes.push(`${order.domain} costs ${offer.price} (--max-spend ${order.maxSpend})`);

  const bought = await checked(
    target,
    {
      method: "POST",
      path: "/email-activations",
      withKey: true,
      json: { site: order.site, domain: order.domain },
    },
    `POST /email-activations {"site":${JSON.stringify(order.site)},"domain":${JSON.stringify(order.domain)}}`,
    [200, 201],
    emailActivationSchema,
    CONSEQUENCE.buy,
  );
  results.push(bought.result);
  // Even an answer that differs may name what was bought: it is still cancelled.
  const rawId = (bought.raw as { id?: unknown } | undefined)?.id;
  const id = bought.data?.id ?? (typeof rawId === "string" && rawId !== "" ? rawId : undefined);
  if (id === undefined) {
    if (bought.result.status !== undefined && bought.result.status < 300) {
      bought.result.notes.push("no id in the answer: if a mailbox was bought, cancel it yourself");
    }
    return results;
  }
  const path = `/email-activations/${encodeURIComponent(id)}`;
  let mailbox: EmailActivation | undefined = bought.data;
  const nullAtFirst = mailbox?.emailAddress === null;
  if (mailbox) {
    bought.result.notes.push(
      mailbox.emailAddress === null
        ? "emailAddress was null in the purchase answer"
        : "emailAddress was in the purchase answer",
    );
  }

  const waitMs = order.addressWaitMs ?? 30_000;
  const started = Date.now();
  let reads = 0;
  let read: Parsed<EmailActivation>;
  for (;;) {
    read = await checked(
      target,
      { path, withKey: true },
      `GET ${path}`,
      [200],
      emailActivationSchema,
      CONSEQUENCE.read,
    );
    reads++;
    if (!read.data) break;
    mailbox = read.data;
    if (mailbox.emailAddress !== null || Date.now() - started + (order.pollMs ?? 500) > waitMs) break;
    await sleep(order.pollMs ?? 500);
  }
  read.result.request += ` ×${reads} (address)`;
  if (read.data && mailbox?.emailAddress === null) {
    read.result.matched = false;
    read.result.differences.push(`emailAddress: still null after ${seconds(waitMs)}`);
    read.result.consequence = CONSEQUENCE.address;
  } else if (read.data && nullAtFirst) {
    read.result.notes.push(
      `emailAddress filled ${reads === 1 ? "by the first read" : `after ${seconds(Date.now() - started)} (${reads} reads)`}`,
    );
  }
  results.push(read.result);
  results.push(await cancelMailbox(target, path, order.cancelWaitMs ?? 60_000, sleep));
  return results;
}
