import { z } from "zod";

/**
 * The catalogue snapshot's document: what is kept of each cached value and when it was fetched,
 * so that a restart starts warm (and ages the values correctly).
 */
export const SNAPSHOT_VERSION = 1;

const timed = <T extends z.ZodType>(value: T) => z.object({ value, fetchedAt: z.number() });

const snapshotSchema = z.object({
  version: z.literal(SNAPSHOT_VERSION),
  savedAt: z.number(),
  services: timed(z.array(z.object({ code: z.string(), name: z.string() }))).optional(),
  countries: timed(z.array(z.string())).optional(),
  offers: z.record(
    z.string(),
    timed(z.array(z.object({ iso: z.string(), priceCents: z.number().int(), stock: z.number().int() }))),
  ),
});
export type Snapshot = z.infer<typeof snapshotSchema>;

/** Parses a saved document; throws on anything that is not a snapshot of this version. */
export function decodeSnapshot(text: string): Snapshot {
  return snapshotSchema.parse(JSON.parse(text));
}
