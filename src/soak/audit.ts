import { toCents } from "../common/money.js";

/**
 * The soak's books, checked after the run against the sandbox's own records (pure: the soak brings
 * what was sold and what each bot was handed). Every activation or mailbox sold is handed to exactly
 * one bot or refunded; no id handed twice; no key saw another's; the wallet moved by exactly the
 * charges kept.
 */
export interface SoldItem {
  /** upstream id */
  id: string;
  status: string;
  userCost: string;
  /** a number's phone, a mailbox's address */
  phoneNumber?: string | undefined;
  emailAddress?: string | null | undefined;
  /** a number's last code */
  smsCode?: string | null | undefined;
}

export interface HandedItem {
  /** the upstream id the gateway mapped the handed legacy id to (undefined: it resolves to nothing) */
  upstreamId: string | undefined;
  /**
   * the phone number or address the bot was handed: an id whose mapping Redis lost with its data
   * (README "What survives a Redis loss") is matched to its sale by it
   */
  address?: string | undefined;
  /** how many bots were handed this legacy id */
  times: number;
}

export interface AuditInput {
  sold: SoldItem[];
  /** legacy id (as `key:id`) → what it was */
  handed: Map<string, HandedItem>;
  /** answers a bot got for another key's ids that were not NO_ACTIVATION */
  crossKey: number;
  walletStartCents: number;
  walletEndCents: number;
  openIntents: number;
  /** keys with a daily spend limit: the prefix of their handed ids (`2:`) and the limit */
  limits?: { prefix: string; limitCents: number }[];
  /** the key with a webhook (the prefix of its handed ids), and what its receiver accepted (`id:code`) */
  webhook?: { prefix: string; delivered: ReadonlySet<string> };
}

export interface Audit {
  sold: number;
  handed: number;
  refunded: number;
  chargedUnhanded: number;
  duplicates: number;
  crossKey: number;
  walletDiff: string;
  openIntents: number;
  /** the charges each limited key kept, in cents (by its prefix) */
  limitedKept: Record<string, number>;
  /** codes the webhook key's activations received that its receiver never got */
  webhookLost: number;
  /** one line per defect, naming the activation */
  problems: string[];
}

const REFUNDED = new Set(["CANCELLED", "EXPIRED", "REFUNDED"]);

export function audit(input: AuditInput): Audit {
  const problems: string[] = [];
  const handedUpstream = new Map<string, string>();
  const byAddress = new Map<string, SoldItem[]>();
  for (const item of input.sold) {
    const address = item.emailAddress ?? item.phoneNumber;
    if (address) byAddress.set(address, [...(byAddress.get(address) ?? []), item]);
  }
  let duplicates = 0;
  for (const [legacyId, item] of input.handed) {
    if (item.times > 1) {
      duplicates += 1;
      problems.push(`id ${legacyId} handed to ${item.times} bots`);
    }
    const upstreamId =
      item.upstreamId ?? byAddress.get(item.address ?? "")?.find((sold) => !handedUpstream.has(sold.id))?.id;
    if (upstreamId === undefined) {
      problems.push(`handed id ${legacyId} matches no activation sold`);
      continue;
    }
    const other = handedUpstream.get(upstreamId);
    if (other !== undefined) {
      duplicates += 1;
      problems.push(`activation ${upstreamId} handed as ${other} and ${legacyId}`);
    }
    handedUpstream.set(upstreamId, legacyId);
  }
  let refunded = 0;
  let chargedUnhanded = 0;
  let keptCents = 0;
  for (const item of input.sold) {
    const wasRefunded = REFUNDED.has(item.status);
    if (!wasRefunded) keptCents += toCents(item.userCost) ?? 0;
    if (handedUpstream.has(item.id)) continue;
    if (wasRefunded) refunded += 1;
    else {
      chargedUnhanded += 1;
      problems.push(`activation ${item.id} is ${item.status}: charged ${item.userCost}, handed to no bot`);
    }
  }
  const limitedKept: Record<string, number> = {};
  const soldById = new Map(input.sold.map((s) => [s.id, s]));
  for (const { prefix, limitCents } of input.limits ?? []) {
    let kept = 0;
    for (const [legacyId, upstreamId] of [...handedUpstream].map(([u, l]) => [l, u] as const)) {
      const item = soldById.get(upstreamId);
      if (legacyId.startsWith(prefix) && item && !REFUNDED.has(item.status))
        kept += toCents(item.userCost) ?? 0;
    }
    limitedKept[prefix] = kept;
    if (kept > limitCents)
      problems.push(
        `key ${prefix} kept ${(kept / 100).toFixed(2)}, over its limit of ${(limitCents / 100).toFixed(2)}`,
      );
  }
  let webhookLost = 0;
  if (input.webhook) {
    for (const [upstreamId, legacyId] of handedUpstream) {
      const code = soldById.get(upstreamId)?.smsCode;
      if (!legacyId.startsWith(input.webhook.prefix) || !code) continue;
      const numeric = legacyId.slice(input.webhook.prefix.length);
      if (!input.webhook.delivered.has(`${numeric}:${code}`)) {
        webhookLost += 1;
        problems.push(`code ${code} of activation ${upstreamId} (id ${numeric}) never reached the webhook`);
      }
    }
  }
  const diffCents = input.walletStartCents - keptCents - input.walletEndCents;
  if (diffCents !== 0) problems.push(`wallet off by ${(diffCents / 100).toFixed(2)}`);
  if (input.crossKey > 0) problems.push(`${input.crossKey} answers showed another key's activation`);
  if (input.openIntents > 0) problems.push(`${input.openIntents} purchase intents left open`);
  return {
    sold: input.sold.length,
    handed: handedUpstream.size,
    refunded,
    chargedUnhanded,
    duplicates,
    crossKey: input.crossKey,
    walletDiff: (diffCents / 100).toFixed(2),
    openIntents: input.openIntents,
    limitedKept,
    webhookLost,
    problems,
  };
}
