import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { readCappedBody } from "../common/capped-body.js";

/** One HTTP exchange as the checker sends it: the URL is used as given (unencoded values stay so). */
export interface HttpRequest {
  method: "GET" | "POST";
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

/** What came back, byte for byte: the body is NOT decompressed. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** The checker's only way to the network: injectable, so the runner can be tested without sockets. */
export type HttpFn = (req: HttpRequest) => Promise<HttpResponse>;

/** A request that got no HTTP answer at all (refused, reset, timed out, TLS refused…). */
export class NoAnswerError extends Error {
  override name = "NoAnswerError";
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const TLS_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_ISSUER_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "CERT_UNTRUSTED",
]);

/** A one-line reason for a request that got no answer; certificate problems say how to fix them. */
export function describeNoAnswer(err: unknown): NoAnswerError {
  if (err instanceof NoAnswerError) return err;
  const code = String((err as { code?: unknown }).code ?? (err as Error).name ?? "ERROR");
  const message = (err as Error).message ?? String(err);
  if (TLS_CODES.has(code)) {
    return new NoAnswerError(
      `certificate error: ${message} (${code}); if the endpoint uses your own CA or a self-signed certificate, pass it with --ca FILE`,
      code,
    );
  }
  const plain: Record<string, string> = {
    ECONNREFUSED: "connection refused",
    ENOTFOUND: "host not found",
    EAI_AGAIN: "host name lookup failed",
    ECONNRESET: "connection reset",
    EHOSTUNREACH: "host unreachable",
    ENETUNREACH: "network unreachable",
    ETIMEDOUT: "timed out",
  };
  return new NoAnswerError(plain[code] ? `${plain[code]} (${code})` : `${message} (${code})`, code);
}

/** The largest answer the checker reads; a legacy answer is a few kB at most. */
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

/**
 * node:http / node:https, a fresh connection per request, optional extra CA (PEM) for TLS. The
 * timeout is a total deadline (a body dripping a byte at a time never idles), the body is capped.
 */
export function nodeHttp(options: { ca?: string | Buffer; maxBodyBytes?: number } = {}): HttpFn {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return (req) =>
    new Promise<HttpResponse>((resolve, reject) => {
      const url = new URL(req.url);
      const isHttps = url.protocol === "https:";
      const headers: Record<string, string> = { ...req.headers };
      if (req.body !== undefined) headers["content-length"] = String(Buffer.byteLength(req.body));
      const send = isHttps ? httpsRequest : httpRequest;
      // The path is passed as written: URL() would percent-encode what a client sends unencoded.
      const pathStart = req.url.indexOf("/", req.url.indexOf("//") + 2);
      const path = pathStart < 0 ? "/" : req.url.slice(pathStart);
      const r = send(
        {
          protocol: url.protocol,
          hostname: url.hostname.replace(/^\[|\]$/g, ""),
          port: url.port || undefined,
          path,
          method: req.method,
          headers,
          agent: false,
          ...(isHttps && options.ca !== undefined && { ca: options.ca }),
        },
        (res) => {
          readCappedBody(res, maxBodyBytes).then(
            (body) => {
              clearTimeout(deadline);
              resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
            },
            (err) => {
              clearTimeout(deadline);
              r.destroy();
              reject(
                err.name === "BodyTooLargeError"
                  ? new NoAnswerError(err.message, "EBODYTOOLARGE")
                  : describeNoAnswer(err),
              );
            },
          );
        },
      );
      const deadline = setTimeout(() => {
        r.destroy(
          Object.assign(new Error(`no complete answer within ${req.timeoutMs} ms`), { code: "ETIMEDOUT" }),
        );
      }, req.timeoutMs);
      r.on("error", (err) => {
        clearTimeout(deadline);
        reject(describeNoAnswer(err));
      });
      r.end(req.body);
    });
}

/** The body as the client would read it after its HTTP library undid Content-Encoding. */
export function decodeBody(res: HttpResponse): { bytes: Buffer; encoding: string; error?: string } {
  const encoding = String(res.headers["content-encoding"] ?? "")
    .trim()
    .toLowerCase();
  try {
    if (encoding === "gzip" || encoding === "x-gzip") return { bytes: gunzipSync(res.body), encoding };
    if (encoding === "deflate") return { bytes: inflateSync(res.body), encoding };
    if (encoding === "br") return { bytes: brotliDecompressSync(res.body), encoding };
  } catch (err) {
    return { bytes: res.body, encoding, error: `cannot decode ${encoding}: ${(err as Error).message}` };
  }
  return { bytes: res.body, encoding };
}
