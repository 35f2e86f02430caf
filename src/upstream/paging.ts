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
    if (!answer.nextCursor) return { activations: newestPerId(activations), complete: true };
    if (opts.enough?.(answer.data)) break;
    cursor = answer.nextCursor;
  }
  return { activations: newestPerId(activations), complete: false };
}

/**
 * One entry per id. An upstream list may repeat an id (within a page, or across pages when new
 * activations shift the cursor). The schema has no field saying which copy is newer, so the later
 * occurrence wins: it was read later. It keeps the place of the first, so the order stays newest first.
 */
export function newestPerId(activations: readonly Activation[]): Activation[] {
  const latest = new Map<string, Activation>();
  for (const activation of activations) latest.set(activation.id, activation);
  if (latest.size === activations.length) return [...activations];
  return [...latest.values()];
}
