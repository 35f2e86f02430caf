import { afterEach, describe, expect, it } from "vitest";
import { randomEmailAddress } from "../../src/sandbox/email-mail.js";
import { type Json, startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";

const ORDER = { site: "telegram.com", domain: "gmx.com" };

describe("email addresses", () => {
  let sb: TestSandbox | undefined;
  afterEach(() => sb?.close());

  it("randomEmailAddress ends with a unique address even when every draw is the same", () => {
    const taken = new Set<string>();
    for (let i = 0; i < 5; i++)
      taken.add(
        randomEmailAddress(
          "gmx.com",
          () => 0,
          (a) => taken.has(a),
        ),
      );
    expect(taken.size).toBe(5);
    for (const a of taken) expect(a).toMatch(/^[a-z]+\.[a-z]+\d{4}(\.\d+)?@gmx\.com$/);
  });

  it("no two mailboxes share an address, not even an ended one reopened by a reorder", async () => {
    sb = await startTestSandbox({
      random: () => 0.5,
      config: { autoSms: false, emailAddressDelayMs: 0 },
    });
    const buy = async () =>
      (await sb!.api("/email-activations", { method: "POST", json: ORDER })).body as Json;
    const first = await buy();
    await sb.raw("/sandbox/email", { method: "POST", json: { activationId: first.id, text: "code 1234" } });
    await sb.raw(`/sandbox/email-activations/${first.id}/expire`, { method: "POST" });
    const second = await buy();
    expect(second.emailAddress).not.toBe(first.emailAddress);
    const reopened = (await sb.api(`/email-activations/${first.id}/reorder`, { method: "POST" })).body;
    expect(reopened.emailAddress).toBe(first.emailAddress);
    const third = await buy();
    expect(new Set([first.emailAddress, second.emailAddress, third.emailAddress]).size).toBe(3);
  });
});
