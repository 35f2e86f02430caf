import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HttpError } from "../../src/sandbox/errors.js";
import { pageNewestFirst, parsePageQuery } from "../../src/sandbox/pagination.js";

describe("pagination", () => {
  it("walks every matching item exactly once, newest first, for any size, limit and filter", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 120 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 4 }),
        (n, limit, mod) => {
          const items = Array.from({ length: n }, (_, i) => ({ id: `c${i}`, n: i }));
          const keep = (item: { n: number }) => item.n % mod === 0;
          const seen: number[] = [];
          let cursor: string | null = null;
          for (let pages = 0; pages <= n + 1; pages++) {
            const page: { data: { id: string; n: number }[]; nextCursor: string | null } = pageNewestFirst(
              items,
              { limit, cursor },
              keep,
            );
            expect(page.data.length).toBeLessThanOrEqual(limit);
            seen.push(...page.data.map((i) => i.n));
            if (page.nextCursor === null) break;
            cursor = page.nextCursor;
          }
          const expected = items
            .filter(keep)
            .map((i) => i.n)
            .reverse();
          expect(seen).toEqual(expected);
        },
      ),
    );
  });

  it("has no next cursor when the page ends exactly at the last item", () => {
    const items = [{ id: "a" }, { id: "b" }];
    expect(pageNewestFirst(items, { limit: 2, cursor: null })).toEqual({
      data: [{ id: "b" }, { id: "a" }],
      nextCursor: null,
    });
  });

  it("rejects an unknown cursor", () => {
    expect(() => pageNewestFirst([{ id: "a" }], { limit: 5, cursor: "zzz" })).toThrow(HttpError);
  });

  it.each([["0"], ["101"], ["abc"], ["-1"], ["2.5"]])(
    "rejects limit=%s with a validation message list",
    (limit) => {
      try {
        parsePageQuery({ limit });
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(HttpError);
        expect((err as HttpError).status).toBe(400);
        expect(Array.isArray((err as HttpError).body)).toBe(true);
      }
    },
  );

  it("defaults to 25 and accepts 1..100", () => {
    expect(parsePageQuery({})).toEqual({ limit: 25, cursor: null });
    expect(parsePageQuery({ limit: "1", cursor: "" })).toEqual({ limit: 1, cursor: null });
    expect(parsePageQuery({ limit: "100", cursor: "cabc" })).toEqual({ limit: 100, cursor: "cabc" });
  });
});
