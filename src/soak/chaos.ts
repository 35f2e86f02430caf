import type { FaultRuleInput } from "../sandbox/faults.js";

/** What the soak does to its surroundings, on a seeded schedule (README "Reliability"). */
export type ChaosKind =
  | "kill"
  | "sigterm"
  | "redis-restart"
  | "redis-empty"
  | "outage"
  | "latency"
  | "5xx"
  | "429"
  | "drop-after-commit"
  | "receiver-down";

export const CHAOS_KINDS: readonly ChaosKind[] = [
  "kill",
  "5xx",
  "sigterm",
  "drop-after-commit",
  "redis-restart",
  "429",
  "latency",
  "redis-empty",
  "receiver-down",
  "outage",
];

/** How long an upstream phase lasts. */
export const PHASE_MS = 20_000;
/** How long the webhook receiver stays down. */
export const RECEIVER_DOWN_MS = 60_000;

/** The sandbox fault rules of an upstream phase (undefined for the process kinds). */
export function faultsOf(kind: ChaosKind): FaultRuleInput[] | undefined {
  switch (kind) {
    case "outage":
      return [{ route: "*", bare503: 1 }];
    case "latency":
      return [{ route: "*", latencyMs: 1500, latencyChance: 0.3 }];
    case "5xx":
      return [{ route: "*", error500: 0.2 }];
    case "429":
      return [{ route: "*", error429: 0.3 }];
    case "drop-after-commit":
      return [
        { route: "POST /api/v1/activations", phase: "after", drop: 0.3 },
        { route: "POST /api/v1/email-activations", phase: "after", drop: 0.3 },
      ];
    default:
      return undefined;
  }
}

/** `count` events spread over the run (none in its first and last tenth), kinds in a seeded order. */
export function schedule(durationMs: number, random: () => number): { atMs: number; kind: ChaosKind }[] {
  const count = Math.max(1, Math.floor(durationMs / 40_000));
  const start = durationMs * 0.1;
  const span = durationMs * 0.8;
  const kinds = [...CHAOS_KINDS].sort(() => random() - 0.5);
  return Array.from({ length: count }, (_, i) => ({
    atMs: Math.round(start + (span * (i + 0.5)) / count),
    kind: kinds[i % kinds.length]!,
  }));
}
