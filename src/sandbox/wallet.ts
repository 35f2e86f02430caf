import { isoSeconds } from "./clock.js";
import type { IdGenerator } from "./ids.js";
import { type Cents, formatMoney } from "./money.js";

export type TransactionType = "PURCHASE" | "REFUND" | "DEPOSIT";

export interface Transaction {
  id: string;
  type: TransactionType;
  /** Signed: purchases are negative. */
  amountCents: Cents;
  balanceAfterCents: Cents;
  activationId: string | null;
  createdAt: number;
}

/**
 * A balance and its ledger. Every method is synchronous so a check and its debit can never be
 * interleaved with another request (Node runs one at a time between awaits).
 */
export class Wallet {
  private balance: Cents = 0;
  private readonly ledger: Transaction[] = [];

  constructor(
    private readonly newId: IdGenerator,
    private readonly now: () => number,
  ) {}

  get balanceCents(): Cents {
    return this.balance;
  }

  /** Oldest first. */
  get transactions(): readonly Transaction[] {
    return this.ledger;
  }

  deposit(amount: Cents): Transaction {
    return this.record("DEPOSIT", amount, null);
  }

  /** Debits `amount` if the balance covers it; null (and nothing recorded) otherwise. */
  tryCharge(amount: Cents, activationId: string): Transaction | null {
    if (this.balance < amount) return null;
    return this.record("PURCHASE", -amount, activationId);
  }

  refund(amount: Cents, activationId: string): Transaction {
    return this.record("REFUND", amount, activationId);
  }

  private record(type: TransactionType, amountCents: Cents, activationId: string | null): Transaction {
    this.balance += amountCents;
    const tx: Transaction = {
      id: this.newId(),
      type,
      amountCents,
      balanceAfterCents: this.balance,
      activationId,
      createdAt: this.now(),
    };
    this.ledger.push(tx);
    return tx;
  }
}

export function transactionJson(tx: Transaction) {
  return {
    id: tx.id,
    type: tx.type,
    amount: formatMoney(tx.amountCents),
    balanceAfter: formatMoney(tx.balanceAfterCents),
    activationId: tx.activationId,
    createdAt: isoSeconds(tx.createdAt),
  };
}
