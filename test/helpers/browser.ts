/**
 * A headless Chromium for the console's browser tests: Debian's /usr/bin/chromium (`.ci/run`
 * installs it) driven by playwright-core, a new empty profile each time, screenshots under the
 * git-ignored `.tmp/console-shots/`.
 *
 *   const browser = await launchBrowser();
 *   const page = await browser.page(DESKTOP);
 *   await page.goto(`${gw.url}/console`);
 *   await shot(page, "traffic-desktop");
 *   await browser.close();
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Locator, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };
export const SHOTS_DIR = new URL("../../.tmp/console-shots/", import.meta.url).pathname;

export interface TestBrowser {
  context: BrowserContext;
  /** a new tab of this size; page errors are collected in `errors` */
  page(viewport?: { width: number; height: number }): Promise<Page>;
  /** uncaught errors of the pages' scripts (a test expects none) */
  errors: string[];
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), "console-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: DESKTOP,
  });
  const errors: string[] = [];
  return {
    context,
    errors,
    async page(viewport = DESKTOP) {
      const page = await context.newPage();
      await page.setViewportSize(viewport);
      page.on("pageerror", (err) => errors.push(err.message));
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves `.tmp/console-shots/<name>.png` (the whole page with `full`). */
export async function shot(page: Page, name: string, full = false): Promise<void> {
  mkdirSync(SHOTS_DIR, { recursive: true });
  await page.screenshot({ path: join(SHOTS_DIR, `${name}.png`), fullPage: full });
}

/** The text of an element as a person sees it (cells apart, hidden parts left out). */
export function visibleText(locator: Locator): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: playwright's Locator, not a DOM node: the rendered text is the point
  return locator.innerText();
}

/** How long a page may take to show what a test waits for (a loaded machine is slow). */
export const WAIT = { timeout: 30_000, interval: 200 };

/** Opens the console at phone size once it is live, and keeps a screenshot (and a full-page one). */
export async function phoneShot(browser: TestBrowser, consoleUrl: string, name: string, full = false) {
  const phone = await browser.page(PHONE);
  await phone.goto(consoleUrl);
  await phone.locator("#conn.live").waitFor(WAIT);
  await shot(phone, name);
  if (full) await shot(phone, `${name}-full`, true);
  await phone.close();
}
