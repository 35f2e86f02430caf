import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

/**
 * The dependency direction of `src/` as data, and a checker for it. Each module belongs to a layer
 * (its folder under `src/`, or its file name for the files at the top); a layer may import only
 * the layers listed for it. Pure translation (`mapping/`) must also do no I/O and set no timers.
 */
export const ALLOWED: Record<string, readonly string[]> = {
  common: [],
  settings: [],
  logger: [],
  keys: ["common", "store"],
  upstream: ["common"],
  store: ["common"],
  mapping: ["common", "upstream"],
  fixtures: ["mapping"],
  catalog: ["common", "upstream"],
  events: ["common", "upstream"],
  tracker: ["common", "upstream", "mapping", "store", "events"],
  money: ["common", "upstream", "store"],
  legacy: [
    "common",
    "keys",
    "upstream",
    "store",
    "mapping",
    "fixtures",
    "catalog",
    "tracker",
    "events",
    "money",
  ],
  webhooks: ["common", "keys", "upstream", "store", "mapping", "tracker", "events"],
  metrics: ["common", "upstream", "store", "tracker"],
  config: ["settings", "common"],
  sandbox: ["common", "settings"],
  probe: ["common", "upstream"],
  conformance: ["common", "fixtures", "mapping"],
  soak: ["common", "keys", "sandbox", "store"],
  console: [
    "common",
    "upstream",
    "store",
    "mapping",
    "catalog",
    "tracker",
    "legacy",
    "webhooks",
    "fixtures",
    "events",
    "keys",
  ],
  gateway: [
    "common",
    "settings",
    "logger",
    "config",
    "keys",
    "upstream",
    "store",
    "mapping",
    "fixtures",
    "catalog",
    "tracker",
    "money",
    "legacy",
    "webhooks",
    "console",
    "metrics",
    "sandbox",
    "events",
  ],
  main: ["settings", "config", "logger", "gateway", "sandbox"],
};

/**
 * Modules that must be pure (no `node:` modules, no timers, no clock reads): the `mapping/` layer
 * and the legacy answers' renderers (`legacy/*-render.ts`), which get every time they print passed in.
 */
export const PURE_LAYERS = ["mapping"];
const PURE_MODULE = /^legacy\/[^/]+-render\.ts$/;

export const mustBePure = (path: string): boolean =>
  PURE_LAYERS.includes(layerOf(path)) || PURE_MODULE.test(path);

export interface ModuleInfo {
  /** path relative to `src/`, e.g. `legacy/actions/status.ts` */
  path: string;
  /** relative paths (to `src/`) of the modules it imports, types included */
  imports: string[];
  /** `node:` modules it imports */
  builtins: string[];
  /** it calls setTimeout or setInterval */
  timers: boolean;
  /** it reads the clock: `Date.now()`, `new Date()` without an argument, `performance.now()` */
  clock: boolean;
}

export function layerOf(path: string): string {
  const [first, ...rest] = path.split("/");
  return rest.length === 0 ? first!.replace(/\.ts$/, "") : first!;
}

const SPECIFIER =
  /(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/g;

/** Reads every `.ts` file under `srcDir` (tests beside sources excluded). */
export function readModules(srcDir: string): ModuleInfo[] {
  const files = readdirSync(srcDir, { recursive: true, encoding: "utf8" }).filter(
    (f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.endsWith(".d.ts"),
  );
  return files.map((file) => {
    const text = readFileSync(join(srcDir, file), "utf8");
    const imports: string[] = [];
    const builtins: string[] = [];
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith("node:")) builtins.push(spec);
      else if (spec.startsWith(".")) {
        imports.push(relative(srcDir, normalize(join(srcDir, dirname(file), spec))).replace(/\.js$/, ".ts"));
      }
    }
    return {
      path: file,
      imports,
      builtins,
      timers: /\bset(?:Timeout|Interval)\(/.test(text),
      clock: /\bDate\.now\(|\bnew Date\(\s*\)|\bperformance\.now\(/.test(text),
    };
  });
}

/** Every broken rule, as one readable line each. */
export function violations(modules: readonly ModuleInfo[]): string[] {
  const out: string[] = [];
  for (const m of modules) {
    const from = layerOf(m.path);
    const allowed = ALLOWED[from];
    if (!allowed) {
      out.push(`${m.path}: layer "${from}" has no entry in ALLOWED`);
      continue;
    }
    for (const target of m.imports) {
      const to = layerOf(target);
      if (to !== from && !allowed.includes(to))
        out.push(`${m.path} imports ${target}: ${from} → ${to} is not allowed`);
    }
    if (mustBePure(m.path)) {
      for (const b of m.builtins) out.push(`${m.path} imports ${b}: it must do no I/O`);
      if (m.timers) out.push(`${m.path} sets a timer: it must be pure`);
      if (m.clock) out.push(`${m.path} reads the clock: it must be given the time`);
    }
  }
  return [...out, ...cycles(modules).map((c) => `import cycle: ${c.join(" → ")}`)];
}

/** Import cycles between modules (type imports count: they couple the files just the same). */
export function cycles(modules: readonly ModuleInfo[]): string[][] {
  const edges = new Map(modules.map((m) => [m.path, m.imports]));
  const state = new Map<string, "open" | "done">();
  const found: string[][] = [];
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (!edges.has(next)) continue;
      if (state.get(next) === "open") found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of edges.keys()) if (!state.has(node)) visit(node);
  return found;
}
