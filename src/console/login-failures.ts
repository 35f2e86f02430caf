import { LRUCache } from "lru-cache";

/**
 * Wrong console logins (form or bearer token) per client address: after `max` failures within
 * `windowMs`, the address is refused until the window that began with its first failure ends.
 * The map is bounded (an attacker rotating addresses evicts the oldest, never grows memory).
 */
export interface LoginFailureLimits {
  max: number;
  windowMs: number;
  /** addresses remembered at most */
  addresses: number;
}

export const LOGIN_FAILURE_LIMITS: LoginFailureLimits = { max: 10, windowMs: 60_000, addresses: 10_000 };

interface Burst {
  since: number;
  failures: number;
}

export class LoginFailures {
  private readonly bursts: LRUCache<string, Burst>;

  constructor(
    private readonly limits: LoginFailureLimits = LOGIN_FAILURE_LIMITS,
    private readonly now: () => number = Date.now,
  ) {
    this.bursts = new LRUCache({ max: limits.addresses });
  }

  /** Seconds until `address` may try again, or 0 when it may now. */
  retryAfterS(address: string): number {
    const burst = this.current(address);
    if (!burst || burst.failures < this.limits.max) return 0;
    return Math.max(1, Math.ceil((burst.since + this.limits.windowMs - this.now()) / 1000));
  }

  /** Counts a wrong token; true when this failure is the one that starts refusing the address. */
  fail(address: string): boolean {
    const burst = this.current(address) ?? { since: this.now(), failures: 0 };
    burst.failures += 1;
    this.bursts.set(address, burst);
    return burst.failures === this.limits.max;
  }

  private current(address: string): Burst | undefined {
    const burst = this.bursts.get(address);
    if (burst && this.now() - burst.since >= this.limits.windowMs) {
      this.bursts.delete(address);
      return undefined;
    }
    return burst;
  }
}
