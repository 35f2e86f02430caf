import { AsyncLocalStorage } from "node:async_hooks";

/** Per-request facts collected on the way (for the one log line each request gets). */
export interface RequestScope {
  upstreamCalls: number;
}

export const requestScope = new AsyncLocalStorage<RequestScope>();

export function countUpstreamCall(): void {
  const scope = requestScope.getStore();
  if (scope) scope.upstreamCalls += 1;
}
