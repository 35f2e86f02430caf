import { readFileSync } from "node:fs";

/**
 * The console's page: static files in `src/console/public/`, read once at start. They are found
 * relative to this module as `fixtures.ts` finds `fixtures/`: from `src/console/` and from
 * `dist/console/` alike (the build does not copy them), so `npm start` needs no front-end build.
 */
const FILES = {
  "index.html": "text/html; charset=utf-8",
  "login.html": "text/html; charset=utf-8",
  "console.js": "text/javascript; charset=utf-8",
  "charts.js": "text/javascript; charset=utf-8",
  "console.css": "text/css; charset=utf-8",
} as const;

export type AssetName = keyof typeof FILES;

export interface Asset {
  body: string;
  type: string;
}

export function loadAssets(): Record<AssetName, Asset> {
  const read = (name: AssetName): Asset => ({
    body: readFileSync(new URL(`../../src/console/public/${name}`, import.meta.url), "utf8"),
    type: FILES[name],
  });
  return Object.fromEntries(Object.keys(FILES).map((name) => [name, read(name as AssetName)])) as Record<
    AssetName,
    Asset
  >;
}

export const isAssetName = (name: string): name is AssetName => Object.hasOwn(FILES, name);
