import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { notOffered, RENT_ACTIONS, rentNotOffered } from "../../../../src/legacy/actions/unsupported.js";
import { answerBody } from "../../../../src/legacy/reply.js";

/** The row of docs/legacy-protocol.md §4 "Not offered by the upstream" for rent: its actions and answer. */
function documentedRent(): { actions: string[]; answer: string } {
  const doc = readFileSync(new URL("../../../../docs/legacy-protocol.md", import.meta.url), "utf8");
  const row = doc.split("\n").find((line) => line.startsWith("| rent: "));
  if (!row) throw new Error("no rent row in docs/legacy-protocol.md §4");
  const [names = "", answer = ""] = row.split(" | ");
  return {
    actions: [...names.matchAll(/`([^`]+)`/g)].map((m) => m[1]!),
    answer: /`([^`]+)`/.exec(answer)?.[1] ?? "",
  };
}

describe("actions the upstream does not offer", () => {
  const documented = documentedRent();

  it("rent actions answer the documented JSON error shape, to the byte", async () => {
    expect(documented.answer).toBe('{"status":"error","message":"BAD_ACTION"}');
    expect(answerBody(await rentNotOffered())).toBe(documented.answer);
  });

  it("the rent actions are the documented ones", () => {
    expect(documented.actions).toHaveLength(7);
    expect([...RENT_ACTIONS].sort()).toEqual([...documented.actions].sort());
  });

  it("the others answer the bare token BAD_ACTION", async () => {
    expect(await notOffered()).toBe("BAD_ACTION");
  });
});
