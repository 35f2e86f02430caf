import type { Logger } from "pino";
import type { Catalog } from "../mapping/catalog.js";
import type { CountryTable } from "../mapping/countries.js";
import type { ServiceDirectory } from "../mapping/services.js";
import type { IdStore } from "../store/id-store.js";
import type { UpstreamClient } from "../upstream/client.js";
import type { StatusShield } from "../upstream/status-shield.js";
import type { KeyRing } from "./key-ring.js";
import type { LegacyParams } from "./request.js";

/** What the legacy actions need, injected once at start-up. */
export interface GatewayDeps {
  upstream: UpstreamClient;
  ids: IdStore;
  /** upstream keys of owners seen recently (memory only), for the orphan settler */
  keyRing: KeyRing;
  shield: StatusShield;
  countries: CountryTable;
  /** the catalogue's service list (`BAD_SERVICE` is decided there) */
  services: ServiceDirectory;
  /** prices, stock and lists, cached (catalogue actions) */
  catalog: Catalog;
  /** called once per ambiguous purchase with how its reconciliation ended */
  onReconciliation?: (result: "claimed" | "none_found" | "list_failed") => void;
  settings: {
    /** the legacy country id used when `country` is missing */
    defaultCountry: number;
  };
}

export interface ActionContext {
  params: LegacyParams;
  /** the api key (upstream key); "" for catalogue actions called without one */
  key: string;
  /** hash of the key presented by the client: the owner of its activations */
  owner: string;
  deps: GatewayDeps;
  log: Logger;
}

export type { LegacyAnswer } from "./reply.js";
