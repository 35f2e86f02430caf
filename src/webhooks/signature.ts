import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * `X-Webhook-Signature: sha256=<hex>`: the HMAC-SHA256 of `<timestamp>.<raw body>` keyed with the
 * owner's secret (its UTF-8 text as printed), where the timestamp is `X-Webhook-Timestamp`, the
 * Unix seconds of the attempt (docs/legacy-protocol.md §8). A receiver recomputes it over the
 * bytes it received and refuses old timestamps, so a captured request cannot be replayed later.
 */
export function signWebhook(secret: string, timestampS: number, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestampS}.${body}`).digest("hex")}`;
}

/** What a receiver does (the README shows the same in a few lines): constant-time, at most `maxAgeS` old. */
export function verifyWebhook(
  secret: string,
  request: { timestamp: string | undefined; signature: string | undefined; body: string },
  nowS: number,
  maxAgeS = 300,
): boolean {
  const timestampS = Number(request.timestamp);
  if (!/^\d{1,12}$/.test(request.timestamp ?? "") || Math.abs(nowS - timestampS) > maxAgeS) return false;
  const expected = Buffer.from(signWebhook(secret, timestampS, request.body));
  const given = Buffer.from(request.signature ?? "");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
