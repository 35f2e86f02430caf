import { readFileSync } from "node:fs";
import { type Cents, parseMoney } from "./money.js";

/** One mailbox domain offered for a site: its price and how many mailboxes are left. */
export interface EmailDomainOffer {
  name: string;
  priceCents: Cents;
  stock: number;
}

interface EmailDomainsFile {
  currency: string;
  sites: { site: string; domains: { name: string; price: string; stock: number }[] }[];
}

const DEFAULT_DOMAINS_URL = new URL("../../fixtures/sandbox-email-domains.json", import.meta.url);
/** Price of a domain offer created by the control route without a price. */
const NEW_OFFER_CENTS = 10;

/** The email product's catalogue: sites, and per site the mailbox domains with price and stock. */
export class EmailCatalog {
  readonly currency: string;
  private readonly sites = new Map<string, Map<string, EmailDomainOffer>>();

  constructor(file: EmailDomainsFile) {
    this.currency = file.currency;
    for (const { site, domains } of file.sites) {
      const offers = new Map<string, EmailDomainOffer>();
      for (const d of domains) {
        offers.set(d.name, { name: d.name, priceCents: parseMoney(d.price), stock: d.stock });
      }
      this.sites.set(site.toLowerCase(), offers);
    }
  }

  static load(path: string | URL = DEFAULT_DOMAINS_URL): EmailCatalog {
    return new EmailCatalog(JSON.parse(readFileSync(path, "utf8")));
  }

  hasSite(site: string): boolean {
    return this.sites.has(site.toLowerCase());
  }

  /** The site's domain offers in fixture order; undefined for an unknown site. */
  domains(site: string): EmailDomainOffer[] | undefined {
    const offers = this.sites.get(site.toLowerCase());
    return offers && [...offers.values()];
  }

  offer(site: string, domain: string): EmailDomainOffer | undefined {
    return this.sites.get(site.toLowerCase())?.get(domain.toLowerCase());
  }

  /** Creates (at 0.10 and stock 0 unless given) or changes a site's domain offer; a new site too. */
  setOffer(site: string, domain: string, change: { priceCents?: Cents; stock?: number }): EmailDomainOffer {
    const siteKey = site.toLowerCase();
    let offers = this.sites.get(siteKey);
    if (!offers) {
      offers = new Map();
      this.sites.set(siteKey, offers);
    }
    const name = domain.toLowerCase();
    const offer = offers.get(name) ?? { name, priceCents: NEW_OFFER_CENTS, stock: 0 };
    if (change.priceCents !== undefined) offer.priceCents = change.priceCents;
    if (change.stock !== undefined) offer.stock = change.stock;
    offers.set(name, offer);
    return offer;
  }
}
