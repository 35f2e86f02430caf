import type { LegacyAnswer } from "./reply.js";

/**
 * Catalogue answers serialized once per cached value: the catalogue hands out the same array until
 * it refetches, so (array, query) → JSON text stays right and a warm read does no rendering.
 */
export class JsonMemo {
  private readonly rendered = new WeakMap<object, Map<string, string>>();

  answer(source: object, query: string, render: () => unknown): LegacyAnswer {
    let byQuery = this.rendered.get(source);
    if (!byQuery) {
      byQuery = new Map();
      this.rendered.set(source, byQuery);
    }
    let jsonText = byQuery.get(query);
    if (jsonText === undefined) {
      jsonText = JSON.stringify(render());
      byQuery.set(query, jsonText);
    }
    return { jsonText };
  }
}
