import type { Logger } from "pino";

/** One native call as a request's log line and the console show it (route pattern, never ids or keys). */
export interface UpstreamCallRecord {
  /** `"GET /activations/:id"` */
  route: string;
  /** the HTTP status, when an answer came */
  status?: number | undefined;
  /** `"ok"` or the failure kind */
  outcome: string;
  ms: number;
}

/**
 * Per-request facts collected on the way, for the one log line each request gets (and the
 * console). Passed explicitly: AsyncLocalStorage would tax every promise of every request
 * (measured: ~20 % of the warm catalogue's throughput on Node 20).
 */
export interface RequestScope {
  reqId: string;
  /** the native calls this request made, in order */
  calls: UpstreamCallRecord[];
  /** where an answer that needed no native call came from (`"tracker"`, `"cache"`) */
  source?: string | undefined;
  /**
   * A native call the gateway refused to send on its own (`"rate limited"`, `"breaker open"`): the
   * request made no upstream call, and the console says so instead of naming a source.
   */
  refused?: string | undefined;
  /** why the answer is a failure token (`"upstream: timeout"`, `"breaker open"`, …) */
  cause?: string | undefined;
  /**
   * Told once whether the answer was written to the client's socket (true) or the connection went
   * away first (false): a purchase keeps its intent open until its id was handed over.
   */
  onAnswered: ((delivered: boolean) => void)[];
}

export function newRequestScope(reqId: string): RequestScope {
  return { reqId, calls: [], onAnswered: [] };
}

/**
 * A logger that carries the request id, created only if the request logs something (most do not
 * beyond their one summary line, and a pino child per request is not free).
 */
export function requestLogger(base: Logger, reqId: string): Logger {
  let child: Logger | undefined;
  return new Proxy(base, {
    get(_target, prop) {
      child ??= base.child({ reqId });
      const value = Reflect.get(child, prop, child);
      return typeof value === "function" ? value.bind(child) : value;
    },
  });
}
