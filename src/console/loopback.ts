import type { IncomingMessage } from "node:http";
import type { Context } from "hono";

/**
 * Loopback, decided from the socket's remote address as the node adapter gives it, never from a
 * header a client or proxy writes (X-Forwarded-For, Forwarded): a request through the compose load
 * balancer, or from any other machine, is not loopback whatever it claims.
 */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  if (address === "::1") return true;
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** The remote address of the request's socket; undefined outside the node adapter. */
export function remoteAddressOf(c: Context): string | undefined {
  const env = c.env as { incoming?: Pick<IncomingMessage, "socket"> } | undefined;
  return env?.incoming?.socket?.remoteAddress;
}

/**
 * A loopback-only page must also be asked for by a loopback name: a web page whose own host name
 * was made to resolve to 127.0.0.1 (DNS rebinding) sends its own name in `Host`.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host === "::1" || isLoopbackAddress(host);
}
