import type { Logger } from "pino";
import { type Clock, isoSeconds } from "./clock.js";
import type { SandboxConfig } from "./config.js";
import type { EmailCatalog } from "./email-catalog.js";
import { asHtml, generateEmail, randomEmailAddress } from "./email-mail.js";
import type { EmailActivation } from "./email-model.js";
import { conflict, HttpError, notFound } from "./errors.js";
import type { IdGenerator } from "./ids.js";
import type { Account, ActivationStatus } from "./model.js";
import { extractCode } from "./sms.js";
import type { Stats } from "./stats.js";

const ENDED: ReadonlySet<ActivationStatus> = new Set(["COMPLETED", "CANCELLED", "EXPIRED", "REFUNDED"]);

export interface EmailDeps {
  config: SandboxConfig;
  clock: Clock;
  emailCatalog: EmailCatalog;
  stats: Stats;
  newId: IdGenerator;
  random: () => number;
  logger: Logger;
}

type TimerName = keyof EmailActivation["timers"];
const isEnded = (m: EmailActivation) => ENDED.has(m.status);
const wholeSeconds = (ms: number) => Math.floor(ms / 1000) * 1000;

/** The email lifecycle: purchase, address, mail arrival, reorder, cancel, expiry (with refunds). */
export class EmailActivations {
  private readonly byId = new Map<string, EmailActivation>();
  private readonly ordered: EmailActivation[] = [];
  private readonly byAccount = new Map<Account, EmailActivation[]>();
  /**
   * Every address handed out (released only by an account reset): two mailboxes never share one, so
   * a reorder of an ended mailbox can always take its address back.
   */
  private readonly usedAddresses = new Set<string>();

  constructor(private readonly deps: EmailDeps) {}

  /** Synchronous from stock check to debit: concurrent purchases cannot overspend. */
  purchase(account: Account, site: string, domain: string): EmailActivation {
    const { emailCatalog, clock, config, stats } = this.deps;
    if (!emailCatalog.hasSite(site)) throw notFound(`Site "${site}" not found`);
    const offer = emailCatalog.offer(site, domain);
    if (!offer) throw notFound(`Domain "${domain}" not found for site "${site}"`);
    if (offer.stock <= 0) throw new HttpError(503, "No email addresses available");
    const id = this.deps.newId();
    if (!account.wallet.tryCharge(offer.priceCents, id)) throw new HttpError(400, "Insufficient balance");
    offer.stock -= 1;
    stats.emailPurchases += 1;

    const createdAt = wholeSeconds(clock.now());
    // Reserved now, so no later purchase can draw it, and shown after the delay.
    const address = randomEmailAddress(offer.name, this.deps.random, (a) => this.usedAddresses.has(a));
    this.usedAddresses.add(address);
    const mailbox: EmailActivation = {
      id,
      account,
      site: site.toLowerCase(),
      domain: offer.name,
      address,
      emailAddress: null,
      status: "WAITING",
      otpValue: null,
      htmlBody: null,
      costCents: offer.priceCents,
      createdAt,
      cancellableAt: createdAt + config.emailCancelCooldownS * 1000,
      expiresAt: createdAt + config.activationTtlS * 1000,
      receivedAt: null,
      received: false,
      timers: { address: null, mail: null, expiry: null },
    };
    this.byId.set(id, mailbox);
    this.ordered.push(mailbox);
    const mine = this.byAccount.get(account) ?? [];
    mine.push(mailbox);
    this.byAccount.set(account, mine);
    if (config.emailAddressDelayMs === 0) mailbox.emailAddress = address;
    else {
      mailbox.timers.address = clock.setTimeout(() => {
        mailbox.timers.address = null;
        mailbox.emailAddress = address;
      }, config.emailAddressDelayMs);
    }
    this.armWindow(mailbox);
    return mailbox;
  }

  /** The caller's mailbox; 404 for unknown ids and for another key's. */
  get(account: Account, id: string): EmailActivation {
    const mailbox = this.byId.get(id);
    if (!mailbox || mailbox.account !== account) throw notFound("Email activation not found");
    return mailbox;
  }

  findAny(id: string): EmailActivation | undefined {
    return this.byId.get(id);
  }

  /** Oldest first. */
  all(): readonly EmailActivation[] {
    return this.ordered;
  }

  /** The account's mailboxes, oldest first. */
  of(account: Account): readonly EmailActivation[] {
    return this.byAccount.get(account) ?? [];
  }

  /** Same mailbox, charged the domain's current price again, back to WAITING with a new window. */
  reorder(mailbox: EmailActivation): EmailActivation {
    if (mailbox.status !== "RECEIVED" && mailbox.status !== "COMPLETED") {
      throw conflict(`A reorder needs a received message (status is ${mailbox.status})`);
    }
    const offer = this.deps.emailCatalog.offer(mailbox.site, mailbox.domain);
    const price = offer?.priceCents ?? mailbox.costCents;
    if (!mailbox.account.wallet.tryCharge(price, mailbox.id))
      throw new HttpError(400, "Insufficient balance");
    this.deps.stats.emailPurchases += 1;
    const now = wholeSeconds(this.deps.clock.now());
    mailbox.costCents = price;
    mailbox.status = "WAITING";
    mailbox.otpValue = null;
    mailbox.htmlBody = null;
    mailbox.receivedAt = null;
    mailbox.received = false;
    mailbox.cancellableAt = now + this.deps.config.emailCancelCooldownS * 1000;
    mailbox.expiresAt = now + this.deps.config.activationTtlS * 1000;
    this.armWindow(mailbox);
    return mailbox;
  }

  cancel(mailbox: EmailActivation): EmailActivation {
    if (isEnded(mailbox)) return mailbox;
    if (mailbox.received) throw conflict("Email activation cannot be cancelled after a message was received");
    if (this.deps.clock.now() < mailbox.cancellableAt) {
      throw conflict(`Email activation cannot be cancelled before ${isoSeconds(mailbox.cancellableAt)}`);
    }
    this.end(mailbox, "CANCELLED");
    this.refund(mailbox);
    return mailbox;
  }

  /** A message arrives now (automatic or control route). 409 when ended, 400 without a 4–8 digit code. */
  deliver(mailbox: EmailActivation, text?: string): EmailActivation {
    if (isEnded(mailbox)) throw conflict(`Email activation is ${mailbox.status}: no message can arrive`);
    let mail: { code: string; html: string };
    if (text === undefined) mail = generateEmail(mailbox.site, this.deps.random);
    else {
      const code = extractCode(text.replace(/<[^>]*>/g, " "));
      if (code === null) throw new HttpError(400, "the message must contain a code of 4 to 8 digits");
      mail = { code, html: asHtml(text) };
    }
    this.clear(mailbox, "mail");
    mailbox.status = "RECEIVED";
    mailbox.otpValue = mail.code;
    mailbox.htmlBody = mail.html;
    mailbox.receivedAt = this.deps.clock.now();
    mailbox.received = true;
    return mailbox;
  }

  /** Ends the window now, exactly as reaching expiresAt would; 409 when ended. */
  expireNow(mailbox: EmailActivation): EmailActivation {
    if (isEnded(mailbox)) throw conflict(`Email activation is ${mailbox.status} and cannot expire`);
    this.expire(mailbox);
    return mailbox;
  }

  /** Drops an account's mailboxes (its reset) and their timers. */
  forgetAccount(account: Account): void {
    for (const mailbox of this.of(account)) {
      this.clearAll(mailbox);
      this.byId.delete(mailbox.id);
      this.usedAddresses.delete(mailbox.address);
    }
    this.byAccount.delete(account);
    const kept = this.ordered.filter((m) => m.account !== account);
    this.ordered.splice(0, this.ordered.length, ...kept);
  }

  close(): void {
    for (const mailbox of this.ordered) this.clearAll(mailbox);
  }

  /** Expiry timer for the current window, and the automatic mail when SANDBOX_AUTO_SMS is on. */
  private armWindow(mailbox: EmailActivation): void {
    const { clock, config } = this.deps;
    this.clear(mailbox, "expiry");
    mailbox.timers.expiry = clock.setTimeout(() => this.expire(mailbox), mailbox.expiresAt - clock.now());
    this.clear(mailbox, "mail");
    if (!config.autoSms) return;
    mailbox.timers.mail = clock.setTimeout(() => {
      mailbox.timers.mail = null;
      if (mailbox.status === "WAITING") this.deliver(mailbox);
    }, config.smsDelayMs);
  }

  /** A message in the current window makes the charge final (COMPLETED); none: EXPIRED + refund. */
  private expire(mailbox: EmailActivation): void {
    mailbox.timers.expiry = null;
    if (isEnded(mailbox)) return;
    if (mailbox.received) {
      this.end(mailbox, "COMPLETED");
      return;
    }
    this.end(mailbox, "EXPIRED");
    this.refund(mailbox);
  }

  private end(mailbox: EmailActivation, status: ActivationStatus): void {
    mailbox.status = status;
    this.clear(mailbox, "mail");
    this.clear(mailbox, "expiry");
  }

  private refund(mailbox: EmailActivation): void {
    mailbox.account.wallet.refund(mailbox.costCents, mailbox.id);
    this.deps.stats.emailRefunds += 1;
    this.deps.logger.debug({ emailActivationId: mailbox.id, status: mailbox.status }, "email refunded");
  }

  private clearAll(mailbox: EmailActivation): void {
    for (const name of ["address", "mail", "expiry"] as const) this.clear(mailbox, name);
  }

  private clear(mailbox: EmailActivation, name: TimerName): void {
    const handle = mailbox.timers[name];
    if (handle) this.deps.clock.clearTimeout(handle);
    mailbox.timers[name] = null;
  }
}
