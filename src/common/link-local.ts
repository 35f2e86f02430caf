/**
 * Link-local addresses (169.254.0.0/16, fe80::/10, and IPv4-mapped ::ffff:169.254.x.x): where cloud
 * metadata endpoints answer, so never a webhook receiver. Loopback and private networks are not
 * link-local: operators run receivers there.
 */
export function isLinkLocalAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const v4 = ipv4Octets(bare);
  if (v4) return isLinkLocalV4(v4);
  const hextets = ipv6Hextets(bare);
  if (!hextets) return false;
  if ((hextets[0]! & 0xffc0) === 0xfe80) return true;
  const mapped = hextets.slice(0, 5).every((h) => h === 0) && hextets[5] === 0xffff;
  return mapped && hextets[6] === 0xa9fe;
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

function isLinkLocalV4(octets: number[]): boolean {
  return octets[0] === 169 && octets[1] === 254;
}

function ipv4Octets(text: string): number[] | null {
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) return null;
  const octets = text.split(".").map(Number);
  return octets.every((o) => o <= 255) ? octets : null;
}

/** The eight 16-bit groups of an IPv6 address (a dotted IPv4 tail becomes the last two). */
function ipv6Hextets(text: string): number[] | null {
  if (!text.includes(":")) return null;
  let groups = text.toLowerCase();
  const tail = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(groups);
  if (tail) {
    const octets = ipv4Octets(tail[1]!);
    if (!octets) return null;
    const [a, b, c, d] = octets as [number, number, number, number];
    groups = `${groups.slice(0, -tail[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = groups.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === "" ? [] : part.split(":"));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...rest];
  if (!all.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  return all.map((g) => Number.parseInt(g, 16));
}
