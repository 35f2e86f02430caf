/** Counters for GET /sandbox/stats. */
export class Stats {
  purchases = 0;
  refunds = 0;
  /** Email mailboxes bought or reordered, and refunded. */
  emailPurchases = 0;
  emailRefunds = 0;
  private readonly requests = new Map<string, number>();

  countRequest(routeKey: string): void {
    this.requests.set(routeKey, (this.requests.get(routeKey) ?? 0) + 1);
  }

  reset(): void {
    this.purchases = 0;
    this.refunds = 0;
    this.emailPurchases = 0;
    this.emailRefunds = 0;
    this.requests.clear();
  }

  toJson() {
    return {
      purchases: this.purchases,
      refunds: this.refunds,
      emailPurchases: this.emailPurchases,
      emailRefunds: this.emailRefunds,
      requests: Object.fromEntries([...this.requests.entries()].sort(([a], [b]) => a.localeCompare(b))),
    };
  }
}
