import { createHash } from "node:crypto";
import type { IdGenerator } from "./ids.js";
import type { Account } from "./model.js";
import type { Cents } from "./money.js";
import { Wallet } from "./wallet.js";

function hashApiKey(apiKey: string): string {
  return createHash("sha256").update(apiKey).digest("hex").slice(0, 16);
}

export class Accounts {
  private readonly byKey = new Map<string, Account>();

  constructor(
    private readonly newId: IdGenerator,
    private readonly now: () => number,
  ) {}

  find(apiKey: string): Account | undefined {
    return this.byKey.get(apiKey);
  }

  all(): Account[] {
    return [...this.byKey.values()];
  }

  /**
   * Creates the account, or resets an existing one to a clean slate (new wallet, no activations).
   * The opening balance is a DEPOSIT so the ledger always sums to the balance.
   */
  open(apiKey: string, balance: Cents, blocked = false): { account: Account; created: boolean } {
    const created = !this.byKey.has(apiKey);
    const wallet = new Wallet(this.newId, this.now);
    if (balance > 0) wallet.deposit(balance);
    const account: Account = { apiKey, keyHash: hashApiKey(apiKey), blocked, wallet, activations: [] };
    this.byKey.set(apiKey, account);
    return { account, created };
  }
}
