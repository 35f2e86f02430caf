import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import type { LookupFunction } from "node:net";
import { isLinkLocalAddress } from "../common/link-local.js";

/** How a receiver's hostname is resolved: `dns.lookup`'s shape with `all: true` (tests inject one). */
export type ResolveHost = (
  hostname: string,
  options: { all: true; family?: number },
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

export const LINK_LOCAL_REASON = "refused: link-local address";

/** The error a refused resolution fails the connection with; `postWebhook` reports it as its reason. */
export class LinkLocalRefused extends Error {
  code = "ELINKLOCAL";
}

/**
 * A `lookup` for http.request that fails when any address of the host is link-local. The socket
 * connects to the addresses checked here, so a host that re-resolves elsewhere (DNS rebinding)
 * cannot slip past a check made earlier.
 */
export function guardedLookup(resolve: ResolveHost = dnsLookup as ResolveHost): LookupFunction {
  return (hostname, options, callback) => {
    const family = typeof options.family === "number" && options.family !== 0 ? options.family : undefined;
    resolve(hostname, { all: true, ...(family && { family }) }, (err, addresses) => {
      if (err) return callback(err, "", 0);
      if (addresses.length === 0)
        return callback(Object.assign(new Error(`${hostname}: no address`), { code: "ENOTFOUND" }), "", 0);
      if (addresses.some((a) => isLinkLocalAddress(a.address)))
        return callback(new LinkLocalRefused(`${hostname} resolves to a link-local address`), "", 0);
      if (options.all)
        return (callback as unknown as (e: null, all: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}
