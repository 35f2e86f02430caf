import { describe, expect, it } from "vitest";
import { listActivationPages, uniqueById } from "../../../src/upstream/paging.js";
import type { Activation, ActivationPage } from "../../../src/upstream/schemas.js";

const activation = (id: string, status = "WAITING", extra: Partial<Activation> = {}): Activation => ({
  id,
  phoneNumber: "905550000000",
  status,
  userCost: "0.50",
  ...extra,
});

describe("uniqueById", () => {
  it("keeps one of a repeated id, in its first place, with the state furthest along", () => {
    const listed = [
      activation("a"),
      activation("b"),
      activation("a", "RECEIVED", { smsCode: "1" }),
      activation("c"),
      activation("b", "CANCELLED"),
      activation("c", "WAITING"),
    ];
    expect(uniqueById(listed).map((a) => `${a.id}:${a.status}`)).toEqual([
      "a:RECEIVED",
      "b:CANCELLED",
      "c:WAITING",
    ]);
  });

  it("never takes a state back (a received code is not undone by a stale copy)", () => {
    const listed = [activation("a", "RECEIVED", { smsCode: "1" }), activation("a")];
    expect(uniqueById(listed)).toEqual([listed[0]]);
  });

  it("leaves a list without repeats as it is", () => {
    const listed = [activation("a"), activation("b")];
    expect(uniqueById(listed)).toEqual(listed);
  });
});

describe("listActivationPages", () => {
  it("shows an id the list repeated across its pages once", async () => {
    const pages: ActivationPage[] = [
      { data: [activation("n3"), activation("n2")], nextCursor: "p2" },
      // the list shifted between the two reads: n2 comes again, now with its code
      { data: [activation("n2", "RECEIVED", { smsCode: "7" }), activation("n1")], nextCursor: null },
    ];
    let page = 0;
    const listed = await listActivationPages({ listActivations: async () => pages[page++]! }, "k", {
      maxPages: 5,
    });
    expect(listed.complete).toBe(true);
    expect(listed.activations.map((a) => `${a.id}:${a.status}`)).toEqual([
      "n3:WAITING",
      "n2:RECEIVED",
      "n1:WAITING",
    ]);
  });
});
