import { describe, expect, it } from "vitest";
import { type ModuleInfo, readModules, violations } from "./import-graph.js";

const SRC = new URL("../../src", import.meta.url).pathname;

const mod = (path: string, imports: string[] = [], extra: Partial<ModuleInfo> = {}): ModuleInfo => ({
  path,
  imports,
  builtins: [],
  timers: false,
  clock: false,
  ...extra,
});

describe("the import graph of src/", () => {
  it("follows the layer rules and has no cycles", () => {
    const modules = readModules(SRC);
    expect(modules.length).toBeGreaterThan(50);
    expect(violations(modules)).toEqual([]);
  });
});

describe("the checker", () => {
  it("refuses a mapping/ module that imports legacy/", () => {
    const found = violations([mod("mapping/status.ts", ["legacy/tokens.ts"]), mod("legacy/tokens.ts")]);
    expect(found).toEqual(["mapping/status.ts imports legacy/tokens.ts: mapping → legacy is not allowed"]);
  });

  it("refuses a money/ module that imports legacy/", () => {
    const found = violations([mod("money/purchase.ts", ["legacy/context.ts"]), mod("legacy/context.ts")]);
    expect(found).toEqual(["money/purchase.ts imports legacy/context.ts: money → legacy is not allowed"]);
  });

  it("refuses I/O and timers in mapping/", () => {
    const found = violations([mod("mapping/catalog.ts", [], { builtins: ["node:fs"], timers: true })]);
    expect(found).toHaveLength(2);
  });

  it("refuses I/O, timers and clock reads in a legacy renderer, not in other legacy modules", () => {
    const impure = { builtins: ["node:fs"], timers: true, clock: true };
    expect(violations([mod("legacy/status-render.ts", [], impure)])).toEqual([
      "legacy/status-render.ts imports node:fs: it must do no I/O",
      "legacy/status-render.ts sets a timer: it must be pure",
      "legacy/status-render.ts reads the clock: it must be given the time",
    ]);
    expect(violations([mod("mapping/status.ts", [], { clock: true })])).toHaveLength(1);
    expect(violations([mod("legacy/reply.ts", [], impure)])).toEqual([]);
  });

  it("finds cycles, type-only ones included", () => {
    const found = violations([
      mod("sandbox/accounts.ts", ["sandbox/activations.ts"]),
      mod("sandbox/activations.ts", ["sandbox/accounts.ts"]),
    ]);
    expect(found).toEqual([
      "import cycle: sandbox/accounts.ts → sandbox/activations.ts → sandbox/accounts.ts",
    ]);
  });

  it("knows every layer", () => {
    expect(violations([mod("surprise/thing.ts")])).toEqual([
      'surprise/thing.ts: layer "surprise" has no entry in ALLOWED',
    ]);
  });
});
