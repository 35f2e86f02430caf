import http from "node:http";
import https from "node:https";
import { BodyTooLargeError, readCappedBody } from "../common/capped-body.js";
import { UpstreamError } from "./errors.js";

/**
 * A minimal JSON-over-HTTP transport on node:http with keep-alive sockets (global fetch costs
 * several times more CPU per call). Every call has a deadline that destroys the socket, and every
 * answer a size cap: a body past `maxBodyBytes` is abandoned as it streams in (an upstream, or
 * something in front of it, that answers hundreds of MB must not take the process's memory).
 */
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface HttpAnswer {
  status: number;
  body: string;
  retryAfter?: string | undefined;
  /** the upstream's own clock, from its `Date` header (ms since epoch) */
  date?: number | undefined;
}

export interface HttpCall {
  method: "GET" | "POST" | "DELETE";
  path: string; // relative to the base URL, starting with "/"
  headers?: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
}

export class HttpTransport {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly requestFn: typeof http.request;

  private readonly maxBodyBytes: number;

  constructor(baseUrl: string, opts: { maxSockets?: number; maxBodyBytes?: number } = {}) {
    this.maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.base = new URL(baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
    const isHttps = this.base.protocol === "https:";
    const AgentClass = isHttps ? https.Agent : http.Agent;
    this.agent = new AgentClass({ keepAlive: true, maxSockets: opts.maxSockets ?? 256, scheduling: "lifo" });
    this.requestFn = isHttps ? https.request : http.request;
  }

  send(call: HttpCall): Promise<HttpAnswer> {
    const payload = call.body === undefined ? undefined : JSON.stringify(call.body);
    const headers: Record<string, string> = { accept: "application/json", ...call.headers };
    if (payload !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = String(Buffer.byteLength(payload));
    }
    return new Promise<HttpAnswer>((resolve, reject) => {
      let sent = false;
      const fail = (err: UpstreamError) => {
        clearTimeout(timer);
        reject(err);
      };
      const onResponse = (res: http.IncomingMessage) => {
        // The answer is lost, not refused: a purchase whose answer is too large is reconciled.
        const tooLarge = () => {
          fail(
            new UpstreamError("invalid_response", `answer larger than ${this.maxBodyBytes} bytes`, {
              status: res.statusCode,
              ambiguous: true,
            }),
          );
          req.destroy();
        };
        readCappedBody(res, this.maxBodyBytes).then(
          (body) => {
            clearTimeout(timer);
            const dateHeader = res.headers.date;
            resolve({
              status: res.statusCode ?? 0,
              body: body.toString("utf8"),
              retryAfter: res.headers["retry-after"],
              date: dateHeader ? Date.parse(dateHeader) : undefined,
            });
          },
          (err: Error) =>
            err instanceof BodyTooLargeError
              ? tooLarge()
              : fail(new UpstreamError("unavailable", err.message, { ambiguous: true })),
        );
      };
      let req: http.ClientRequest;
      try {
        req = this.requestFn(
          {
            protocol: this.base.protocol,
            hostname: this.base.hostname,
            port: this.base.port,
            path: this.base.pathname.replace(/\/$/, "") + call.path,
            method: call.method,
            headers,
            agent: this.agent,
          },
          onResponse,
        );
      } catch (err) {
        // Refused locally (e.g. a character a header cannot carry): nothing was sent.
        return reject(new UpstreamError("rejected", `request not sent: ${(err as Error).message}`));
      }
      const timer = setTimeout(() => {
        req.destroy(
          new UpstreamError("timeout", `no answer within ${call.timeoutMs} ms`, { ambiguous: true }),
        );
      }, call.timeoutMs);
      req.on("finish", () => {
        sent = true;
      });
      req.on("error", (e) => {
        if (e instanceof UpstreamError) return fail(e);
        // A connection refused before anything was written cannot have bought anything.
        fail(new UpstreamError("unavailable", e.message, { ambiguous: sent }));
      });
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
