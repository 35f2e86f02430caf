import type { z } from "zod";

/** Facts learnt from earlier answers that later calls use. */
export interface ProbeContext {
  serviceCode: string;
  unknownActivationId: string;
  /** the site the email checks ask about */
  emailSite: string;
  /** the first page of one activation: its ids and the cursor to the next page */
  firstPage?: { ids: string[]; cursor: string | null };
}

/** One read-only call and what the gateway expects of its answer. */
export interface ProbeCheck {
  /** the route pattern, as in the gateway's metrics */
  name: string;
  /** shown after the request line, e.g. "no key" */
  tag?: string;
  path(ctx: ProbeContext): string;
  /** send the key (x-api-key) */
  withKey: boolean;
  expectStatus: readonly number[];
  schema: z.ZodType;
  /** what the gateway would do if this answer keeps differing */
  consequence: string;
  learn?(data: unknown, ctx: ProbeContext): void;
  /** differences the schema cannot see (what a filter or a cursor did) */
  verify?(data: unknown, ctx: ProbeContext): string[];
  /** something the answer could not show (e.g. an empty list proves nothing about its items) */
  note?(data: unknown, ctx?: ProbeContext): string | undefined;
}

export interface ProbeResult {
  name: string;
  /** e.g. `GET /services/tg/countries` (never the key) */
  request: string;
  status?: number;
  matched: boolean;
  /** not made, on purpose (the purchase above --max-spend): the note says why */
  skipped?: boolean;
  differences: string[];
  notes: string[];
  /** set when the answer differed: what the gateway would do about it */
  consequence?: string;
  /** set when no answer came at all: `ECONNREFUSED`, `timed out`, … */
  noAnswer?: string;
}
