/**
 * The fault presets the console offers, as sandbox fault rules (docs/native-api.md §8.4). `before`
 * means nothing happens upstream; `after` means the handler committed (the purchase exists, the
 * money is taken) and its answer is lost: what an ambiguous purchase looks like in production.
 */
export interface FaultPreset {
  label: string;
  rules: Record<string, unknown>[];
}

export const FAULT_PRESETS: Record<string, FaultPreset> = {
  slow: { label: "Slow upstream (2 s)", rules: [{ route: "*", latencyMs: 2000 }] },
  errors: { label: "20 % 500s", rules: [{ route: "*", error500: 0.2 }] },
  "drop-purchase": {
    label: "Purchase answers dropped after commit",
    rules: [{ route: "POST /api/v1/activations", phase: "after", drop: 1 }],
  },
  "storm-429": { label: "429 storm", rules: [{ route: "*", error429: 1 }] },
  clear: { label: "Clear faults", rules: [] },
};

/** A preset as the console lists it: its name in `POST /console/api/sandbox/faults` and its label. */
export interface PresetChoice {
  id: string;
  label: string;
}

/** The presets as the console lists them. */
export const PRESET_LIST: PresetChoice[] = Object.entries(FAULT_PRESETS).map(([id, p]) => ({
  id,
  label: p.label,
}));
