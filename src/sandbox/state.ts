import type { HttpBindings } from "@hono/node-server";
import type { Logger } from "pino";
import { Accounts } from "./accounts.js";
import { Activations } from "./activations.js";
import { Catalog } from "./catalog.js";
import { CatalogWatch } from "./catalog-watch.js";
import type { Clock } from "./clock.js";
import type { SandboxConfig } from "./config.js";
import { EmailActivations } from "./email-activations.js";
import { EmailCatalog } from "./email-catalog.js";
import { FaultRegistry } from "./faults.js";
import { createIdGenerator, type IdGenerator } from "./ids.js";
import type { Account } from "./model.js";
import { parseMoney } from "./money.js";
import { RateLimiter } from "./rate-limit.js";
import { Stats } from "./stats.js";

/** Everything one sandbox instance holds; route handlers read it, nothing else is global. */
export interface SandboxState {
  config: SandboxConfig;
  clock: Clock;
  logger: Logger;
  random: () => number;
  newId: IdGenerator;
  catalog: Catalog;
  /** the catalogue's version, which gateways in front of the sandbox watch */
  catalogWatch: CatalogWatch;
  accounts: Accounts;
  activations: Activations;
  /** the email product: its domain catalogue and mailboxes */
  emailCatalog: EmailCatalog;
  emailActivations: EmailActivations;
  faults: FaultRegistry;
  stats: Stats;
  rateLimiter: RateLimiter;
}

/** Hono env: node-server bindings (absent under `app.request()`), and the authenticated account. */
export type SandboxEnv = {
  Bindings: Partial<HttpBindings> | undefined;
  Variables: { account: Account };
};

export function createSandboxState(
  config: SandboxConfig,
  deps: {
    clock: Clock;
    logger: Logger;
    random: () => number;
    catalog?: Catalog;
    emailCatalog?: EmailCatalog;
  },
): SandboxState {
  const { clock, logger, random } = deps;
  const now = () => clock.now();
  const newId = createIdGenerator(now, random);
  const catalog = deps.catalog ?? Catalog.load();
  const emailCatalog = deps.emailCatalog ?? EmailCatalog.load();
  const stats = new Stats();
  const accounts = new Accounts(newId, now);
  for (const { apiKey, balance } of config.accounts) accounts.open(apiKey, parseMoney(balance));
  return {
    config,
    clock,
    logger,
    random,
    newId,
    catalog,
    catalogWatch: new CatalogWatch(),
    accounts,
    activations: new Activations({ config, clock, catalog, stats, newId, random, logger }),
    emailCatalog,
    emailActivations: new EmailActivations({ config, clock, emailCatalog, stats, newId, random, logger }),
    faults: new FaultRegistry(config.faults),
    stats,
    rateLimiter: new RateLimiter(config.rateLimitPerS, now),
  };
}
