import type { Logger } from "pino";
import { retrying } from "../common/retry.js";
import type { UpsertResult } from "../store/id-store.js";
import { UpstreamError } from "../upstream/errors.js";

/** How a purchase bought upstream but not stored at the first try ended. */
export type UnstoredOutcome = "stored_late" | "cancelled" | "cancel_failed";

export interface StoreOrCancelDeps {
  /** the upstream's cancel of what was bought (a number or a mailbox) */
  upstream: { cancel(key: string, id: string): Promise<unknown> };
  log: Logger;
  /** local clock (ms) by which the mapping must be stored, or the activation is cancelled */
  storeBy: number;
  onUnstored?: ((outcome: UnstoredOutcome) => void) | undefined;
}

const STORE_RETRY_PAUSES_MS = [100, 250, 500];
const STORE_RETRY_EVERY_MS = 1000;
/** A cancel refused by the cool-down or a transient error is tried again, this many times at most. */
const CANCEL_PAUSES_MS = [250, 500, 1000, 2000];

/**
 * Stores the mapping of an activation this process just bought. The upstream charged for it and
 * only this process knows its id and key (the orphan settler needs the very store that is failing):
 * a store that does not answer by `storeBy` makes the purchase cancel it at once, and the caller
 * answers ERROR_SQL, never an id it could not store.
 */
export async function storeOrCancel(
  deps: StoreOrCancelDeps,
  key: string,
  upstreamId: string,
  store: () => Promise<UpsertResult>,
): Promise<UpsertResult> {
  let lastError: unknown;
  try {
    return await retrying(
      async (attempt) => {
        const stored = await store();
        if (attempt > 0) {
          deps.log.warn(
            { upstreamId, attempts: attempt + 1 },
            "purchase stored after the id store recovered",
          );
          deps.onUnstored?.("stored_late");
        }
        return stored;
      },
      { pausesMs: STORE_RETRY_PAUSES_MS, thenEveryMs: STORE_RETRY_EVERY_MS, giveUpAt: deps.storeBy },
    );
  } catch (err) {
    lastError = err;
  }
  const cancelled = await cancelWithRetries(deps.upstream, key, upstreamId);
  deps.onUnstored?.(cancelled ? "cancelled" : "cancel_failed");
  deps.log.error(
    { upstreamId, err: String(lastError), cancelled },
    cancelled
      ? "purchase cancelled upstream: the id store could not record it"
      : "purchase could not be recorded nor cancelled: the upstream may keep the charge",
  );
  throw lastError;
}

async function cancelWithRetries(
  upstream: StoreOrCancelDeps["upstream"],
  key: string,
  upstreamId: string,
): Promise<boolean> {
  return retrying(() => upstream.cancel(key, upstreamId), {
    pausesMs: CANCEL_PAUSES_MS,
    retryable: (err) => err instanceof UpstreamError && (err.transient || err.kind === "conflict"),
  }).then(
    () => true,
    () => false,
  );
}
