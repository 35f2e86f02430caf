import { AsyncLocalStorage } from "node:async_hooks";

/** Per-request facts collected on the way (for the one log line each request gets). */
export interface RequestScope {
  reqId: string;
  upstreamCalls: number;
}

export const requestScope = new AsyncLocalStorage<RequestScope>();

export function countUpstreamCall(): void {
  const scope = requestScope.getStore();
  if (scope) scope.upstreamCalls += 1;
}

/** pino mixin: every line logged while serving a request carries its id (no child logger per request). */
export function requestIdMixin(): { reqId?: string } {
  const scope = requestScope.getStore();
  return scope ? { reqId: scope.reqId } : {};
}
