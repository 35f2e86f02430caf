import { setTimeout as sleep } from "node:timers/promises";
import type { Context, MiddlewareHandler } from "hono";
import { errorBody } from "./errors.js";
import type { FaultOutcome } from "./faults.js";
import { routeKey } from "./route-key.js";
import type { SandboxEnv, SandboxState } from "./state.js";

/** node-server writes nothing for a response carrying this header (the socket is already gone). */
export const ALREADY_SENT_HEADER = "x-hono-already-sent";

const BARE_503_HTML =
  "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n" +
  "<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

function faultResponse(c: Context<SandboxEnv>, outcome: FaultOutcome): Response {
  switch (outcome) {
    case "error500":
      return Response.json(errorBody(500, "Internal server error"), { status: 500 });
    case "bare503":
      // A proxy in front of the API, not the API: no JSON body.
      return new Response(BARE_503_HTML, { status: 503, headers: { "content-type": "text/html" } });
    case "error429":
      return Response.json(errorBody(429, "ThrottlerException: Too Many Requests"), {
        status: 429,
        headers: { "retry-after": "1" },
      });
    case "drop": {
      const socket = c.env?.incoming?.socket;
      if (!socket) {
        // No socket under app.request(): the closest we can do is an error without a body.
        return new Response(null, { status: 500 });
      }
      socket.destroy();
      return new Response(null, { headers: { [ALREADY_SENT_HEADER]: "true" } });
    }
  }
}

/**
 * Fault injection for `/api/v1/*`. "before": latency and/or a fault instead of the handler, so nothing
 * happens (a caller that gave up during the latency never reaches the handler). "after": the handler runs and commits, then its answer is delayed or replaced. Latency is
 * real time, not the sandbox clock: it simulates the network.
 */
export function faultInjection(state: SandboxState): MiddlewareHandler<SandboxEnv> {
  return async (c, next) => {
    const key = routeKey(c);
    const before = state.faults.decide(key, "before", state.random);
    if (before.latencyMs > 0) {
      await sleep(before.latencyMs);
      // The caller gave up while the request was "in transit": nothing happens, as promised for "before".
      if (c.req.raw.signal.aborted) return new Response(null, { status: 499 });
    }
    if (before.outcome) {
      state.logger.debug({ route: key, fault: before.outcome, phase: "before" }, "fault injected");
      return faultResponse(c, before.outcome);
    }
    await next();
    const after = state.faults.decide(key, "after", state.random);
    if (after.latencyMs > 0) await sleep(after.latencyMs);
    if (after.outcome) {
      state.logger.debug({ route: key, fault: after.outcome, phase: "after" }, "fault injected");
      // Drop the handler's response first so none of its headers leak into the fault.
      c.res = undefined;
      c.res = faultResponse(c, after.outcome);
    }
  };
}
