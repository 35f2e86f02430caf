import type { UpstreamClient } from "./client.js";
import type { Activation } from "./schemas.js";

/** The upstream's largest page. */
export const PAGE_SIZE = 100;

export interface ListedActivations {
  /** newest first */
  activations: Activation[];
  /** true when the last page said there is nothing more (`nextCursor` null) */
  complete: boolean;
}

export interface PagingOptions {
  status?: readonly string[];
  /** at most this many pages */
  maxPages: number;
  /** stop early once a page satisfies this (e.g. it reaches back far enough) */
  enough?: (page: readonly Activation[]) => boolean;
  /** made even while the breaker is open (see `UpstreamClient.listActivations`) */
  essential?: boolean;
}

/** How far along a state is: a repeated id keeps its furthest state (the list has no update times). */
const PROGRESS: Record<string, number> = { WAITING: 0, RECEIVED: 1 };
const progressOf = (a: Activation) => PROGRESS[a.status] ?? 2;

/**
 * The same activation listed twice (in one page, or on two pages while the list shifted) collapses
 * to one, in its first place, with the furthest state of the two: a listing never shows an id twice.
 */
export function uniqueById(activations: readonly Activation[]): Activation[] {
  const byId = new Map<string, Activation>();
  for (const a of activations) {
    const seen = byId.get(a.id);
    if (!seen || progressOf(a) >= progressOf(seen)) byId.set(a.id, a);
  }
  return byId.size === activations.length ? [...activations] : [...byId.values()];
}

/** A key's activations, newest first, following `nextCursor` within the bounds given. */
export async function listActivationPages(
  upstream: Pick<UpstreamClient, "listActivations">,
  key: string,
  opts: PagingOptions,
): Promise<ListedActivations> {
  const activations: Activation[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < opts.maxPages; page++) {
    const answer = await upstream.listActivations(
      key,
      { limit: PAGE_SIZE, cursor, ...(opts.status && { status: opts.status }) },
      { essential: opts.essential ?? false },
    );
    activations.push(...answer.data);
    if (!answer.nextCursor) return { activations: uniqueById(activations), complete: true };
    if (opts.enough?.(answer.data)) break;
    cursor = answer.nextCursor;
  }
  return { activations: uniqueById(activations), complete: false };
}
