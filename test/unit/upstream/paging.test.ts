import { describe, expect, it } from "vitest";
import { listActivationPages, newestPerId } from "../../../src/upstream/paging.js";
import type { Activation, ActivationPage } from "../../../src/upstream/schemas.js";

const activation = (id: string, status: string): Activation => ({
  id,
  phoneNumber: "79990000000",
  status,
  userCost: "10",
});

describe("newestPerId", () => {
  it("keeps one entry per id: the later occurrence's state in the first one's place", () => {
    const listed = [
      activation("a", "waiting"),
      activation("b", "waiting"),
      activation("a", "received"),
      activation("c", "waiting"),
    ];
    expect(newestPerId(listed)).toEqual([
      activation("a", "received"),
      activation("b", "waiting"),
      activation("c", "waiting"),
    ]);
  });

  it("leaves a list without repeats as it is", () => {
    const listed = [activation("a", "waiting"), activation("b", "cancelled")];
    expect(newestPerId(listed)).toEqual(listed);
  });
});

describe("listActivationPages", () => {
  it("collapses an id repeated across pages (a cursor shifted by a new activation)", async () => {
    const pages: ActivationPage[] = [
      { data: [activation("new", "waiting"), activation("x", "waiting")], nextCursor: "p2" },
      { data: [activation("x", "received"), activation("old", "cancelled")], nextCursor: null },
    ];
    let page = 0;
    const upstream = { listActivations: async () => pages[page++]! };
    const listed = await listActivationPages(upstream, "key", { maxPages: 5 });
    expect(listed.complete).toBe(true);
    expect(listed.activations.map((a) => [a.id, a.status])).toEqual([
      ["new", "waiting"],
      ["x", "received"],
      ["old", "cancelled"],
    ]);
  });
});
