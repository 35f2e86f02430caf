import { badRequest } from "./errors.js";

const DEFAULT_PAGE_LIMIT = 25;
const MAX_PAGE_LIMIT = 100;

export interface PageQuery {
  limit: number;
  cursor: string | null;
}

/** Validates `limit` (1..100, default 25) and `cursor` (≤ 64 chars) as NestJS's ValidationPipe would. */
export function parsePageQuery(query: { limit?: string; cursor?: string }): PageQuery {
  const problems: string[] = [];
  let limit = DEFAULT_PAGE_LIMIT;
  if (query.limit !== undefined) {
    if (!/^\d+$/.test(query.limit)) problems.push("limit must be an integer number");
    else {
      limit = Number(query.limit);
      if (limit < 1) problems.push("limit must not be less than 1");
      if (limit > MAX_PAGE_LIMIT) problems.push(`limit must not be greater than ${MAX_PAGE_LIMIT}`);
    }
  }
  const cursor = query.cursor === undefined || query.cursor === "" ? null : query.cursor;
  if (cursor !== null && cursor.length > 64)
    problems.push("cursor must be shorter than or equal to 64 characters");
  if (problems.length > 0) throw badRequest(problems);
  return { limit, cursor };
}

/**
 * Newest-first page over `items` (stored oldest first). The cursor is the id of the last item of the
 * previous page; positions are taken in the unfiltered list, so items changing status between pages
 * are neither skipped nor repeated.
 */
export function pageNewestFirst<T extends { id: string }>(
  items: readonly T[],
  { limit, cursor }: PageQuery,
  keep: (item: T) => boolean = () => true,
): { data: T[]; nextCursor: string | null } {
  let start = items.length - 1;
  if (cursor !== null) {
    const at = items.findIndex((item) => item.id === cursor);
    if (at < 0) throw badRequest("Invalid cursor");
    start = at - 1;
  }
  const data: T[] = [];
  for (let i = start; i >= 0; i--) {
    const item = items[i]!;
    if (!keep(item)) continue;
    if (data.length === limit) return { data, nextCursor: data[data.length - 1]!.id };
    data.push(item);
  }
  return { data, nextCursor: null };
}
