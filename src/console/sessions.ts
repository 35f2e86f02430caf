import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Logged-in console sessions (CONSOLE_TOKEN), in memory: a restart logs everyone out. A session is
 * a random id (the HttpOnly cookie) with its own CSRF token, which state-changing calls must echo
 * in a header.
 */
export interface Session {
  id: string;
  csrf: string;
  expiresAt: number;
}

export const randomToken = () => randomBytes(32).toString("base64url");

/** Equal strings, compared in constant time (over digests, so lengths do not show either). */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export class ConsoleSessions {
  private readonly byId = new Map<string, Session>();

  constructor(
    private readonly ttlMs = 12 * 60 * 60_000,
    private readonly max = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  create(): Session {
    if (this.byId.size >= this.max) {
      const oldest = this.byId.keys().next().value;
      if (oldest !== undefined) this.byId.delete(oldest);
    }
    const session = { id: randomToken(), csrf: randomToken(), expiresAt: this.now() + this.ttlMs };
    this.byId.set(session.id, session);
    return session;
  }

  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const session = this.byId.get(id);
    if (session && session.expiresAt <= this.now()) {
      this.byId.delete(id);
      return undefined;
    }
    return session;
  }

  end(id: string): void {
    this.byId.delete(id);
  }
}
