import type { LookupAddress } from "node:dns";
import { describe, expect, it } from "vitest";
import { guardedLookup, LinkLocalRefused, type ResolveHost } from "../../../src/webhooks/receiver-lookup.js";

/** The lookup a webhook socket connects through: the addresses it checks are the ones connected to. */
const resolveTo =
  (...addresses: string[]): ResolveHost =>
  (_hostname, _options, callback) =>
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 })),
    );

function look(resolve: ResolveHost, all: boolean): Promise<{ err: Error | null; result: unknown }> {
  return new Promise((done) =>
    guardedLookup(resolve)("hook.test", { all }, (err: Error | null, address: string | LookupAddress[]) =>
      done({ err, result: address }),
    ),
  );
}

describe("guardedLookup", () => {
  it("answers the first address, or all of them when asked (happy eyeballs)", async () => {
    expect(await look(resolveTo("10.0.0.7", "::1"), false)).toEqual({ err: null, result: "10.0.0.7" });
    expect((await look(resolveTo("10.0.0.7", "::1"), true)).result).toEqual([
      { address: "10.0.0.7", family: 4 },
      { address: "::1", family: 6 },
    ]);
  });

  it("fails when any address is link-local", async () => {
    for (const addresses of [["169.254.169.254"], ["127.0.0.1", "fe80::1"], ["::ffff:169.254.0.9"]]) {
      const { err } = await look(resolveTo(...addresses), true);
      expect(err, addresses.join()).toBeInstanceOf(LinkLocalRefused);
    }
  });

  it("passes a resolver's error on", async () => {
    const failing: ResolveHost = (_h, _o, callback) =>
      callback(Object.assign(new Error("not found"), { code: "ENOTFOUND" }), []);
    expect((await look(failing, false)).err).toMatchObject({ code: "ENOTFOUND" });
    expect((await look(resolveTo(), false)).err).toMatchObject({ code: "ENOTFOUND" });
  });
});
