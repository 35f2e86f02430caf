import { describe, expect, it } from "vitest";
import { hasLinkLocalHost, isLinkLocalAddress } from "../../../src/common/link-local.js";

describe("isLinkLocalAddress", () => {
  it("finds 169.254.0.0/16 and nothing around it", () => {
    expect(isLinkLocalAddress("169.254.169.254")).toBe(true);
    expect(isLinkLocalAddress("169.254.0.0")).toBe(true);
    expect(isLinkLocalAddress("169.255.0.1")).toBe(false);
    expect(isLinkLocalAddress("168.254.1.1")).toBe(false);
  });

  it("lets loopback and private networks through", () => {
    for (const ip of ["127.0.0.1", "10.0.0.5", "192.168.1.1", "172.16.0.1", "::1", "fd00::1"])
      expect(isLinkLocalAddress(ip)).toBe(false);
  });

  it("finds fe80::/10, with brackets or a zone", () => {
    expect(isLinkLocalAddress("fe80::1")).toBe(true);
    expect(isLinkLocalAddress("[FE80::a9fe:1]")).toBe(true);
    expect(isLinkLocalAddress("febf:ffff::1")).toBe(true);
    expect(isLinkLocalAddress("fe80::1%eth0")).toBe(true);
    expect(isLinkLocalAddress("fec0::1")).toBe(false);
    expect(isLinkLocalAddress("2001:db8::1")).toBe(false);
  });

  it("counts IPv4-mapped link-local, dotted or in hex", () => {
    expect(isLinkLocalAddress("::ffff:169.254.169.254")).toBe(true);
    expect(isLinkLocalAddress("::ffff:a9fe:a9fe")).toBe(true);
    expect(isLinkLocalAddress("0:0:0:0:0:ffff:a9fe:1")).toBe(true);
    expect(isLinkLocalAddress("::ffff:127.0.0.1")).toBe(false);
  });

  it("says no to hostnames and garbage", () => {
    for (const text of ["metadata.google.internal", "", "1:2:3", "::1::2", "300.254.1.1"])
      expect(isLinkLocalAddress(text)).toBe(false);
  });
});

describe("hasLinkLocalHost", () => {
  it("reads the host of a URL, in the forms URL normalises", () => {
    expect(hasLinkLocalHost("http://169.254.169.254/latest/meta-data")).toBe(true);
    expect(hasLinkLocalHost("http://2852039166/")).toBe(true);
    expect(hasLinkLocalHost("http://[::ffff:169.254.169.254]:80/")).toBe(true);
    expect(hasLinkLocalHost("https://[fe80::1]/hook")).toBe(true);
    expect(hasLinkLocalHost("http://127.0.0.1:9000/hook")).toBe(false);
    expect(hasLinkLocalHost("https://example.com/hook")).toBe(false);
    expect(hasLinkLocalHost("not a url")).toBe(false);
  });
});
