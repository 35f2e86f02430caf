import type { Logger } from "pino";
import type { Catalog } from "./catalog.js";
import { type Clock, isoSeconds } from "./clock.js";
import type { SandboxConfig } from "./config.js";
import { conflict, HttpError, notFound } from "./errors.js";
import type { IdGenerator } from "./ids.js";
import type { Account, Activation, ActivationStatus } from "./model.js";
import { formatMoney } from "./money.js";
import { randomMobileNumber } from "./phone.js";
import { extractCode, generateSms } from "./sms.js";
import type { Stats } from "./stats.js";

const ENDED: ReadonlySet<ActivationStatus> = new Set(["COMPLETED", "CANCELLED", "EXPIRED", "REFUNDED"]);

export interface PurchaseRequest {
  serviceCode: string;
  countryIso: string;
  operator: string | null;
}

export interface ActivationDeps {
  config: SandboxConfig;
  clock: Clock;
  catalog: Catalog;
  stats: Stats;
  newId: IdGenerator;
  random: () => number;
  logger: Logger;
}

const isEnded = (a: Activation) => ENDED.has(a.status);

/** The activation lifecycle: purchase, SMS arrival, resend, complete, cancel, expiry (with refunds). */
export class Activations {
  private readonly byId = new Map<string, Activation>();
  /** Every activation, oldest first. */
  private readonly ordered: Activation[] = [];
  /** Numbers held by activations that have not ended, so two live activations never share one. */
  private readonly liveNumbers = new Set<string>();

  constructor(private readonly deps: ActivationDeps) {}

  /** Synchronous from stock check to debit: concurrent purchases cannot overspend. */
  purchase(account: Account, request: PurchaseRequest): Activation {
    const { catalog, clock, config, stats } = this.deps;
    const service = catalog.findService(request.serviceCode);
    if (!service) throw notFound(`Service "${request.serviceCode}" not found`);
    if (!catalog.findCountry(request.countryIso)) throw notFound(`Country "${request.countryIso}" not found`);
    const offer = catalog.offer(service.code, request.countryIso);
    if (!offer || offer.stock <= 0) throw new HttpError(503, "No numbers available");

    const id = this.deps.newId();
    const charge = account.wallet.tryCharge(offer.priceCents, id);
    if (!charge) throw new HttpError(400, "Insufficient balance");
    offer.stock -= 1;
    stats.purchases += 1;

    // Whole seconds, so the instants we print are exactly the ones we enforce.
    const createdAt = Math.floor(clock.now() / 1000) * 1000;
    const activation: Activation = {
      id,
      account,
      phoneNumber: randomMobileNumber(request.countryIso, this.deps.random, (d) => this.liveNumbers.has(d)),
      status: "WAITING",
      serviceCode: service.code,
      countryIso: request.countryIso,
      operator: request.operator,
      smsCode: null,
      smsText: null,
      costCents: offer.priceCents,
      createdAt,
      cancellableAt: createdAt + config.cancelCooldownS * 1000,
      expiresAt: createdAt + config.activationTtlS * 1000,
      receivedAt: null,
      resends: 0,
      smsTimer: null,
      expiryTimer: null,
    };
    this.byId.set(id, activation);
    this.ordered.push(activation);
    account.activations.push(activation);
    this.liveNumbers.add(activation.phoneNumber);
    activation.expiryTimer = clock.setTimeout(
      () => this.expire(activation),
      activation.expiresAt - clock.now(),
    );
    this.scheduleAutoSms(activation);
    return activation;
  }

  /** The caller's activation; 404 for unknown ids and for another key's. */
  get(account: Account, id: string): Activation {
    const activation = this.byId.get(id);
    if (!activation || activation.account !== account) throw notFound("Activation not found");
    return activation;
  }

  findAny(id: string): Activation | undefined {
    return this.byId.get(id);
  }

  /** The newest waiting activation on that number (sandbox convention for SMS by phone). */
  newestWaitingOn(phoneNumber: string): Activation | undefined {
    for (let i = this.ordered.length - 1; i >= 0; i--) {
      const a = this.ordered[i]!;
      if (a.phoneNumber === phoneNumber && a.status === "WAITING") return a;
    }
    return undefined;
  }

  /** Oldest first. */
  all(): readonly Activation[] {
    return this.ordered;
  }

  cancel(activation: Activation): Activation {
    if (isEnded(activation)) return activation;
    if (activation.smsCode !== null)
      throw conflict("Activation cannot be cancelled after an SMS was received");
    if (this.deps.clock.now() < activation.cancellableAt) {
      throw conflict(`Activation cannot be cancelled before ${isoSeconds(activation.cancellableAt)}`);
    }
    this.end(activation, "CANCELLED");
    this.refund(activation);
    return activation;
  }

  complete(activation: Activation): Activation {
    if (activation.status === "COMPLETED") return activation;
    if (isEnded(activation)) throw conflict(`Activation is ${activation.status} and cannot be completed`);
    if (activation.smsCode === null) throw conflict("Activation has not received a code yet");
    this.end(activation, "COMPLETED");
    return activation;
  }

  requestResend(activation: Activation): Activation {
    if (activation.status !== "RECEIVED") {
      throw conflict(
        `A resend can only be requested after an SMS was received (status is ${activation.status})`,
      );
    }
    if (activation.resends >= this.deps.config.resendLimit) {
      throw conflict(`Resend limit reached (${this.deps.config.resendLimit} per activation)`);
    }
    activation.resends += 1;
    activation.status = "WAITING";
    this.scheduleAutoSms(activation);
    return activation;
  }

  /**
   * An SMS arrives now (automatic delivery or the control route). `text` defaults to a generated one;
   * its code is the first 4–8 digit run. Throws 409 on an ended activation, 400 on a text without a code.
   */
  deliverSms(activation: Activation, text?: string): Activation {
    if (isEnded(activation)) throw conflict(`Activation is ${activation.status}: no SMS can arrive`);
    let sms: { code: string; text: string };
    if (text === undefined) {
      const name = this.deps.catalog.findService(activation.serviceCode)?.name ?? activation.serviceCode;
      sms = generateSms(activation.serviceCode, name, this.deps.random);
    } else {
      const code = extractCode(text);
      if (code === null) throw new HttpError(400, "text must contain a code of 4 to 8 digits");
      sms = { code, text };
    }
    this.clearTimer(activation, "smsTimer");
    activation.status = "RECEIVED";
    activation.smsCode = sms.code;
    activation.smsText = sms.text;
    activation.receivedAt = this.deps.clock.now();
    return activation;
  }

  /** Drops an account's activations (its reset) and their timers. */
  forgetAccount(account: Account): void {
    for (const activation of account.activations) {
      this.clearTimer(activation, "smsTimer");
      this.clearTimer(activation, "expiryTimer");
      this.byId.delete(activation.id);
      this.liveNumbers.delete(activation.phoneNumber);
    }
    const kept = this.ordered.filter((a) => a.account !== account);
    this.ordered.splice(0, this.ordered.length, ...kept);
  }

  close(): void {
    for (const activation of this.ordered) {
      this.clearTimer(activation, "smsTimer");
      this.clearTimer(activation, "expiryTimer");
    }
  }

  private scheduleAutoSms(activation: Activation): void {
    if (!this.deps.config.autoSms) return;
    this.clearTimer(activation, "smsTimer");
    activation.smsTimer = this.deps.clock.setTimeout(() => {
      activation.smsTimer = null;
      if (activation.status === "WAITING") this.deliverSms(activation);
    }, this.deps.config.smsDelayMs);
  }

  /**
   * Ends the activation's window now (the control route), exactly as its expiry would: a code ever
   * received makes the charge final (COMPLETED), none means EXPIRED and a refund. 409 when ended.
   */
  expireNow(activation: Activation): Activation {
    if (isEnded(activation)) throw conflict(`Activation is ${activation.status} and cannot expire`);
    this.clearTimer(activation, "expiryTimer");
    this.expire(activation);
    return activation;
  }

  /** The window closed: a code ever received makes the charge final (COMPLETED); none means EXPIRED + refund. */
  private expire(activation: Activation): void {
    activation.expiryTimer = null;
    if (isEnded(activation)) return;
    if (activation.smsCode !== null) {
      this.end(activation, "COMPLETED");
      return;
    }
    this.end(activation, "EXPIRED");
    this.refund(activation);
  }

  private end(activation: Activation, status: ActivationStatus): void {
    activation.status = status;
    this.clearTimer(activation, "smsTimer");
    this.clearTimer(activation, "expiryTimer");
    this.liveNumbers.delete(activation.phoneNumber);
  }

  private refund(activation: Activation): void {
    activation.account.wallet.refund(activation.costCents, activation.id);
    this.deps.stats.refunds += 1;
    this.deps.logger.debug({ activationId: activation.id, status: activation.status }, "activation refunded");
  }

  private clearTimer(activation: Activation, which: "smsTimer" | "expiryTimer"): void {
    const handle = activation[which];
    if (handle) this.deps.clock.clearTimeout(handle);
    activation[which] = null;
  }
}

/** The activation object exactly as docs/native-api.md shows it. */
export function activationJson(activation: Activation, now: number, currency: string) {
  return {
    id: activation.id,
    phoneNumber: activation.phoneNumber,
    status: activation.status,
    serviceCode: activation.serviceCode,
    countryIso: activation.countryIso,
    operator: activation.operator,
    smsCode: activation.smsCode,
    smsText: activation.smsText,
    userCost: formatMoney(activation.costCents),
    currency,
    cancellable:
      activation.status === "WAITING" && activation.smsCode === null && now >= activation.cancellableAt,
    cancellableAt: isoSeconds(activation.cancellableAt),
    createdAt: isoSeconds(activation.createdAt),
    expiresAt: isoSeconds(activation.expiresAt),
    receivedAt: activation.receivedAt === null ? null : isoSeconds(activation.receivedAt),
  };
}
