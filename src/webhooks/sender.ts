import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { hasLinkLocalHost } from "../common/link-local.js";
import { guardedLookup, LINK_LOCAL_REASON, LinkLocalRefused, type ResolveHost } from "./receiver-lookup.js";

export type SendResult = { ok: true; status: number } | { ok: false; reason: string };

export interface PostOptions {
  headers: Record<string, string>;
  body: string;
  /** the answer's status must arrive within this (WEBHOOK_TIMEOUT_MS) */
  timeoutMs: number;
  /** aborts the attempt (shutdown) */
  signal?: AbortSignal;
  /** resolves the receiver's hostname (default `dns.lookup`) */
  resolve?: ResolveHost;
}

/** At most this much of a receiver's answer is read (and dropped). */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * One POST to a receiver: success is a 2xx status within the timeout. Redirects are not followed
 * (a 3xx is a failure), and nothing of the URL but the host ever appears in the result: the reason
 * is a status or an error code, e.g. `status 500`, `timeout`, `ECONNREFUSED`. A receiver that is
 * or resolves to a link-local address (cloud metadata) is never connected to.
 */
export function postWebhook(url: string, opts: PostOptions): Promise<SendResult> {
  if (hasLinkLocalHost(url)) return Promise.resolve({ ok: false, reason: LINK_LOCAL_REASON });
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", abort);
      resolve(result);
    };
    const request = url.startsWith("https:") ? httpsRequest : httpRequest;
    const req = request(
      url,
      {
        method: "POST",
        agent: false,
        lookup: guardedLookup(opts.resolve),
        headers: { ...opts.headers, "content-length": String(Buffer.byteLength(opts.body)) },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        let read = 0;
        res.on("data", (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_ANSWER_BYTES) res.destroy();
        });
        res.on("error", () => undefined);
        res.on("close", () => req.destroy());
        finish(
          status >= 200 && status < 300 ? { ok: true, status } : { ok: false, reason: `status ${status}` },
        );
      },
    );
    const timer = setTimeout(() => {
      finish({ ok: false, reason: "timeout" });
      req.destroy();
    }, opts.timeoutMs);
    const abort = () => {
      finish({ ok: false, reason: "aborted" });
      req.destroy();
    };
    opts.signal?.addEventListener("abort", abort, { once: true });
    req.on("error", (err: NodeJS.ErrnoException) =>
      finish({
        ok: false,
        reason: err instanceof LinkLocalRefused ? LINK_LOCAL_REASON : (err.code ?? "failed"),
      }),
    );
    req.end(opts.body);
  });
}
