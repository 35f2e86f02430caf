import type { Exchange, RequestSpec } from "./wire.js";

export type Result = "PASS" | "FAIL" | "SKIP";

export interface Verdict {
  result: Result;
  detail: string;
}

export const pass = (detail: string): Verdict => ({ result: "PASS", detail });
export const fail = (detail: string): Verdict => ({ result: "FAIL", detail });
export const skip = (detail: string): Verdict => ({ result: "SKIP", detail });

/** A service and a country id, e.g. tg:62. */
export interface Target {
  service: string;
  country: string;
}

/** `--buy-email SITE:DOMAIN`, e.g. telegram.com:gmx.com. */
export interface MailTarget {
  site: string;
  domain: string;
}

/** A number the endpoint handed out during the run (expected or not): settled before the tool exits. */
export interface Purchase {
  id: string;
  /** the phone number, or a mailbox's address */
  phone: string;
  /** a mailbox (buyMailActivation): settled with checkMailActivation and cancelMailActivation */
  kind?: "mailbox";
  /** the action that bought it */
  via: string;
  /** what it cost: the reported cost, else the price read before buying */
  cost?: number;
  code?: string;
  /** how it ended; undefined while it may still be active */
  settled?: "completed" | "cancelled";
  /** what the settling saw, for the report */
  note?: string;
}

/** What a check can use: the endpoint, the run's options and what earlier checks learnt. */
export interface CheckContext {
  key: string;
  /** `api_key=<key>`, encoded */
  k: string;
  /** a key the endpoint must refuse, as `api_key=…` */
  wrongK: string;
  /** the service and country the getNumber probes and purchases use (`--buy`, else tg:62) */
  target: Target;
  /** `--buy` was given: the activation checks run */
  buying: boolean;
  /** `--buy-email`: the mailbox checks run */
  mailTarget?: MailTarget;
  /** `--max-spend` (0 without `--buy`) */
  maxSpend: number;
  /** `--wait` in ms: how long to wait for a code, and for a cancel to be allowed */
  waitMs: number;
  /** interval between getStatus polls */
  pollMs: number;
  send(spec: RequestSpec): Promise<Exchange>;
  /** every exchange of the run so far, in order */
  exchanges: Exchange[];
  /** every number handed out so far (recorded by `send` from ACCESS_NUMBER and getNumberV2 answers) */
  purchases: Purchase[];
  /** the balance read when the run started, if readable */
  balanceAtStart?: number;
  /** facts one check leaves for the next (the first purchase, the prices seen…) */
  state: {
    first?: Purchase;
    /** the first purchase's getStatus answers */
    polls?: string[];
    /** the mailbox bought by email.buyMailActivation */
    mailbox?: Purchase;
  };
  sleep(ms: number): Promise<void>;
  now(): number;
  /** the run was interrupted (Ctrl-C): stop waiting */
  aborted(): boolean;
}

/** An expectation: true = PASS, a string = FAIL for that reason, or a full verdict (e.g. SKIP). */
export type Expectation = (answer: Exchange, ctx: CheckContext) => true | string | Verdict;

export type Phase = "read" | "buy" | "buy-email" | "answers";

/**
 * One row of the checks table. Either `request` + `expect` (one request, one answer: the runner
 * sends it and prints what was sent and received), or `run` for checks that need several calls.
 */
export interface Check {
  /** stable name, e.g. `answers.no-trailing-newline` (scripts and tests rely on it) */
  name: string;
  /**
   * `read` (default run, spends nothing), `buy` (only with --buy), `buy-email` (only with
   * --buy-email), `answers` (every answer so far)
   */
  phase: Phase;
  /** which real clients break, and how, when this check fails */
  breaks: string;
  request?: (ctx: CheckContext) => RequestSpec | Verdict;
  expect?: Expectation;
  run?: (ctx: CheckContext) => Promise<Verdict>;
}
