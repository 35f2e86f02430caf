import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context } from "hono";
import type { Logger } from "pino";
import { newRequestScope, requestLogger } from "../common/request-scope.js";
import { scrubUrl, shownParams } from "../common/secret-values.js";
import { T } from "../common/tokens.js";
import type { GatewayEvents } from "../events.js";
import { handleLegacy, type LegacyHandlerOptions } from "../legacy/handler.js";
import { answerBody, answerToken, type LegacyAnswer, renderAnswer } from "../legacy/reply.js";
import { type LegacyParams, mergeParams, parseUrlEncoded, queryStringOf } from "../legacy/request.js";

/** The paths legacy clients use, each also with a trailing slash (docs/legacy-protocol.md §1). */
export const LEGACY_PATHS = ["/stubs/handler_api.php", "/stubs/handler_api", "/handler_api.php"].flatMap(
  (p) => [p, `${p}/`],
);

export interface LegacyRouteOptions extends LegacyHandlerOptions {
  log: Logger;
  /** observers of each request (the console) */
  events?: GatewayEvents | undefined;
  onAnswer?: (action: string, token: string, seconds: number) => void;
  /** the label of a presented gateway key, for observers (KEYS_FILE) */
  labelOf?: ((presented: string) => string | undefined) | undefined;
}

type NodeBindings = { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined;

/** Node's own request, when the node adapter serves (not under `app.request()` in tests). */
function incomingOf(c: Context): IncomingMessage | undefined {
  return (c.env as NodeBindings)?.incoming;
}

/**
 * Tells the scope's listeners whether the answer was written to the client's socket ('finish') or
 * the connection went away first. Without node's response (`app.request()`), the answer is handed
 * over as the Response itself.
 */
function reportDelivery(c: Context, listeners: ((delivered: boolean) => void)[]): void {
  if (listeners.length === 0) return;
  const tell = (delivered: boolean) => {
    for (const listener of listeners.splice(0)) listener(delivered);
  };
  const outgoing = (c.env as NodeBindings)?.outgoing;
  if (!outgoing) {
    tell(true);
    return;
  }
  outgoing.once("finish", () => tell(true));
  outgoing.once("close", () => tell(false)); // after 'finish' there is nothing left to tell
}

/**
 * A request header, read from node's own parsed headers when the adapter gives them: asking the
 * Web Request for headers makes @hono/node-server build a full Headers object on every request.
 */
export function header(c: Context, name: string): string | undefined {
  const incoming = incomingOf(c);
  if (!incoming) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Observers get long (JSON) answers cut to this many characters. */
const ANSWER_EXCERPT = 4096;
const shortened = (body: string) =>
  body.length <= ANSWER_EXCERPT ? body : `${body.slice(0, ANSWER_EXCERPT)}…`;

/** Request ids: the client's `X-Request-Id` when it is a plain token, else `<pid>-<start>-<n>`. */
function requestIds(): (c: Context) => string {
  let counter = 0;
  const prefix = `${process.pid.toString(36)}-${Date.now().toString(36)}`;
  return (c) => {
    const given = header(c, "x-request-id");
    if (given && /^[\w.-]{1,64}$/.test(given)) return given;
    counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
    return `${prefix}-${counter.toString(36)}`;
  };
}

/**
 * Reads and drops a body that is ignored (GET and other methods): answering with unread bytes in the
 * socket makes the kernel reset the connection, and the client may lose the answer with it.
 */
async function discardBody(c: Context): Promise<undefined> {
  const hasBody = header(c, "content-length") !== undefined || header(c, "transfer-encoding") !== undefined;
  // A GET Request object carries no body stream: drain node's own request instead.
  const incoming = incomingOf(c);
  if (!hasBody || !incoming || incoming.complete) return undefined;
  const ended = new Promise<void>((resolve) => {
    incoming.once("end", resolve);
    incoming.once("close", resolve);
  });
  incoming.resume();
  await ended;
  return undefined;
}

async function formBody(c: Context): Promise<Map<string, string> | undefined> {
  if (c.req.method !== "POST") return discardBody(c);
  const type = header(c, "content-type") ?? "";
  if (type.startsWith("multipart/form-data")) {
    const parsed = await c.req.parseBody({ all: true });
    const out = new Map<string, string>();
    for (const [name, value] of Object.entries(parsed)) {
      const first = Array.isArray(value) ? value[0] : value;
      if (typeof first === "string") out.set(name, first);
    }
    return parseUrlEncoded(new URLSearchParams([...out]).toString());
  }
  return parseUrlEncoded(await c.req.text());
}

/**
 * How a protocol served through the legacy handler reads a request and writes an answer: the
 * legacy endpoint here, SMS-Activate's V2 email REST API in `v2-route.ts`.
 */
export interface ProtocolIO {
  /** the log line's message */
  name: string;
  params(c: Context): Promise<LegacyParams>;
  respond(c: Context, answer: LegacyAnswer, body: string, requestId: string): Response;
}

/** handler_api.php: query and form body; HTTP 200 and a protocol answer, gzip when accepted. */
export const LEGACY_IO: ProtocolIO = {
  name: "legacy request",
  params: async (c) => mergeParams(parseUrlEncoded(queryStringOf(c.req.url)), await formBody(c)),
  respond: (c, _answer, body, requestId) => renderAnswer(body, header(c, "accept-encoding"), requestId),
};

/**
 * A protocol endpoint (the legacy one by default): its answer whatever happens (a failure reading
 * the body or inside an action is `ERROR_SQL`), one log line, the request told to observers.
 */
export function legacyHandler(opts: LegacyRouteOptions, io: ProtocolIO = LEGACY_IO) {
  const requestIdOf = requestIds();
  // a value equal to a key the gateway has seen, by its owner hash (the key ring holds recent owners)
  const isKnownKey = (value: string) => opts.deps.keyRing.keyOf(opts.ownerOf(value)) !== undefined;
  return async (c: Context): Promise<Response> => {
    const started = performance.now();
    const requestId = requestIdOf(c);
    const log = requestLogger(opts.log, requestId);
    const scope = newRequestScope(requestId);
    let action: string | undefined;
    let answer: LegacyAnswer;
    let params: LegacyParams | undefined;
    let owner = "";
    try {
      params = await io.params(c);
      const outcome = await handleLegacy(params, opts, log, scope);
      action = outcome.action;
      answer = outcome.answer;
      owner = outcome.owner ?? "";
    } catch (err) {
      log.error({ err: String(err) }, "legacy request failed");
      scope.cause = `internal: ${String(err)}`;
      answer = T.ERROR_SQL;
    }
    const ms = performance.now() - started;
    const token = answerToken(answer);
    opts.onAnswer?.(action ?? "none", token, ms / 1000);
    if (opts.log.isLevelEnabled("info")) {
      opts.log.info(
        {
          reqId: requestId,
          method: c.req.method,
          url: scrubUrl(c.req.path, isKnownKey),
          action,
          token,
          ms: Math.round(ms * 10) / 10,
          upstreamCalls: scope.calls.length,
          ...(scope.refused && { refused: scope.refused }),
          ...(scope.cause && { cause: scope.cause }),
        },
        io.name,
      );
    }
    const body = answerBody(answer); // serialized once, for the client and for observers
    const response = io.respond(c, answer, body, requestId);
    reportDelivery(c, scope.onAnswered);
    if (opts.events?.listening("request")) {
      const presented = owner === "" ? undefined : params?.get("api_key");
      opts.events.emit("request", {
        at: Date.now(),
        reqId: requestId,
        owner,
        who: presented === undefined ? undefined : opts.labelOf?.(presented),
        action,
        // no key leaves the process, whatever the parameter carrying it is called
        params: shownParams(params ?? [], isKnownKey),
        calls: scope.calls,
        source: scope.source,
        refused: scope.refused,
        token,
        answer: shortened(body),
        ms,
        cause: scope.cause,
      });
    }
    return response;
  };
}
