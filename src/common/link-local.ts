import { BlockList, isIP } from "node:net";

/**
 * Link-local addresses (169.254.0.0/16, fe80::/10, and IPv4-mapped ::ffff:169.254.x.x): where cloud
 * metadata endpoints answer, so never a webhook receiver. Loopback and private networks are not
 * link-local: operators run receivers there.
 */
const LINK_LOCAL = new BlockList();
LINK_LOCAL.addSubnet("169.254.0.0", 16, "ipv4");
LINK_LOCAL.addSubnet("fe80::", 10, "ipv6");

export function isLinkLocalAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const family = isIP(bare);
  // BlockList also matches IPv4-mapped IPv6 (::ffff:169.254.x.x, hex or dotted) against the v4 rule
  return family !== 0 && LINK_LOCAL.check(bare, family === 6 ? "ipv6" : "ipv4");
}

/** The URL's host is a link-local address written out (a hostname is checked once resolved). */
export function hasLinkLocalHost(url: string): boolean {
  try {
    return isLinkLocalAddress(new URL(url).hostname);
  } catch {
    return false;
  }
}

export const LINK_LOCAL_REFUSAL = "link-local addresses (169.254.0.0/16, fe80::/10) are refused";
