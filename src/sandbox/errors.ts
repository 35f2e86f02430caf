import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** NestJS's default reason phrases, used as the `error` field. */
const REASONS: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  413: "Payload Too Large",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

export interface ErrorBody {
  statusCode: number;
  message: string | string[];
  error?: string;
}

export function errorBody(status: number, message: string | string[]): ErrorBody {
  // NestJS omits `error` on its default 500 body.
  if (status === 500) return { statusCode: 500, message };
  return { statusCode: status, message, error: REASONS[status] ?? "Error" };
}

/** A failure a handler raises; the app's error handler turns it into a NestJS-shaped JSON answer. */
export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly body: string | string[],
    readonly headers: Record<string, string> = {},
  ) {
    super(Array.isArray(body) ? body.join("; ") : body);
  }
}

export const badRequest = (message: string | string[]) => new HttpError(400, message);
export const notFound = (message: string) => new HttpError(404, message);
export const conflict = (message: string) => new HttpError(409, message);

export function jsonError(c: Context, status: ContentfulStatusCode, message: string | string[]): Response {
  return c.json(errorBody(status, message), status);
}
