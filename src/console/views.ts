import { JSON_ANSWER } from "../common/tokens.js";
import type { LegacyRequestEvent } from "../events.js";
import type { CountryTable } from "../mapping/countries.js";
import type { BoardEntry } from "./activation-board.js";
import type { PresetChoice } from "./fault-presets.js";
import type { KeyRow, KeysSeen } from "./keys-seen.js";
import type { SeriesPoint } from "./series.js";
import { type TokenClass, tokenClass } from "./token-class.js";

export type { KeyRow, PresetChoice, SeriesPoint, TokenClass };

/**
 * What the page and the data API show of a request and of an activation. Built only from what the
 * gateway's events carry (docs: README "Console"): owner hashes become a label or a short prefix,
 * parameters arrive without any key-named parameter, activations carry no key at all. The other
 * JSON the console's routes send is typed here too, and the page's scripts (`public/*.js`) are
 * type-checked against these same types (`tsconfig.console.json`, part of `npm run typecheck`).
 */
export interface RequestRow {
  seq: number;
  at: number;
  reqId: string;
  who: string;
  /** the key's reference (a prefix of its owner hash), for filters and sandbox actions */
  key: string;
  action: string;
  params: Record<string, string>;
  calls: { method: string; route: string; status: number | null; outcome: string; ms: number }[];
  /** where an answer that made no native call came from */
  source: string | null;
  /** a native call the gateway did not send (`rate limited`, `breaker open`): no source then */
  refused: string | null;
  token: string;
  class: TokenClass;
  /** the body when short, else the token or a JSON summary */
  summary: string;
  /** the answer body (JSON bodies shortened to 4 KiB) */
  answer: string;
  ms: number;
  cause: string | null;
}

export interface ActivationRow {
  id: number;
  /** `"email"` for a mailbox: `phone` is its address, `service.code` its site */
  product: "email" | null;
  who: string;
  key: string;
  service: { code: string | null; name: string | null };
  country: { id: number | null; iso: string | null; name: string | null };
  phone: string;
  status: string;
  code: string | null;
  cost: string;
  createdAt: string | null;
  receivedAt: string | null;
  live: boolean;
  /** the webhook delivery state of this activation (filled in once webhooks exist) */
  webhook: string | null;
  version: number;
}

/** `GET /console/api/stats`, and the figures a stream's `snapshot` starts with. */
export interface ConsoleStats {
  /** one point a second, oldest first */
  series: SeriesPoint[];
  keys: KeyRow[];
}

/** The events of `GET /console/api/stream` by name, each with what its data is. */
export interface StreamEvents {
  snapshot: ConsoleStats & { requests: RequestRow[]; activations: ActivationRow[] };
  /** new rows, oldest first */
  requests: RequestRow[];
  /** changed rows */
  activations: ActivationRow[];
  /** the new chart points and the per-key figures */
  stats: { points: SeriesPoint[]; keys: KeyRow[] };
  ping: { at: number };
}

/** `GET /console/api/session`. */
export interface SessionInfo {
  /** how this caller got in (access.ts's ConsoleAuth) */
  auth: "loopback" | "session" | "bearer" | "none";
  /** what state-changing calls echo in `X-CSRF-Token` (none for a bearer) */
  csrf: string | null;
  sandbox: boolean;
  presets: PresetChoice[];
}

/** `GET /console/api/sandbox`: the fault presets and the one chosen last. */
export interface SandboxFaults {
  preset: string;
  presets: PresetChoice[];
}

/** The activation's row after a sandbox action on it (absent if it left the board meanwhile). */
export interface ActivationChanged {
  ok: true;
  activation?: ActivationRow;
}

/**
 * What `POST /console/api/sandbox/<action>` answers once it did it; a refusal is a
 * {@link SandboxRefusal} with a 4xx or 5xx status. Amounts and currency are as the sandbox gave them.
 */
export interface SandboxAnswers {
  sms: ActivationChanged;
  expire: ActivationChanged;
  offer: {
    ok: true;
    offer: { serviceCode: string; countryId: number; countryIso: string; price: string; stock: number };
  };
  "top-up": { ok: true; who: string; balance: string; currency: string };
  account: { ok: true; created: boolean; balance: string; currency: string };
  faults: { ok: true; preset: string; label: string };
}

export interface SandboxRefusal {
  error: string;
}

const round1 = (ms: number) => Math.round(ms * 10) / 10;
const SHORT_ANSWER = 48;

export function requestRow(seq: number, e: LegacyRequestEvent, keys: KeysSeen): RequestRow {
  const cls = tokenClass(e.token, e.answer);
  return {
    seq,
    at: e.at,
    reqId: e.reqId,
    who: e.who || keys.whoOf(e.owner),
    key: keys.refOf(e.owner),
    action: e.action ?? "",
    params: e.params,
    calls: e.calls.map((call) => {
      const space = call.route.indexOf(" ");
      return {
        method: space < 0 ? "" : call.route.slice(0, space),
        route: space < 0 ? call.route : call.route.slice(space + 1),
        status: call.status ?? null,
        outcome: call.outcome,
        ms: round1(call.ms),
      };
    }),
    source: e.calls.length > 0 || e.refused ? null : (e.source ?? (cls === "success" ? "cache" : null)),
    refused: e.refused ?? null,
    token: e.token,
    class: cls,
    summary: summarize(e.token, e.answer),
    answer: e.answer,
    ms: round1(e.ms),
    cause: e.cause ?? null,
  };
}

/** A JSON answer in a few words: `{status: success, activeActivations: [3]}`; text as it is when short. */
export function summarize(token: string, answer: string): string {
  if (token !== JSON_ANSWER) return answer.length <= SHORT_ANSWER ? answer : token;
  let value: unknown;
  try {
    value = JSON.parse(answer);
  } catch {
    return `JSON (${answer.length} chars)`;
  }
  if (Array.isArray(value)) return `[${value.length} item${value.length === 1 ? "" : "s"}]`;
  if (typeof value !== "object" || value === null) return String(value);
  const entries = Object.entries(value);
  const shown = entries.slice(0, 4).map(([k, v]) => `${k}: ${brief(v)}`);
  if (entries.length > 4) shown.push(`+${entries.length - 4}`);
  return `{${shown.join(", ")}}`;
}

function brief(v: unknown): string {
  if (Array.isArray(v)) return `[${v.length}]`;
  if (v !== null && typeof v === "object") return "{…}";
  const text = String(v);
  return text.length > 16 ? `${text.slice(0, 15)}…` : text;
}

export interface ActivationViewDeps {
  keys: KeysSeen;
  countries: CountryTable;
  serviceNames: ReadonlyMap<string, string>;
  webhookState?: ((owner: string, numericId: number) => string | undefined) | undefined;
}

export function activationRow(entry: BoardEntry, deps: ActivationViewDeps): ActivationRow {
  const a = entry.activation;
  const countryId = entry.countryId ?? (a.countryIso ? deps.countries.idOfIso(a.countryIso) : undefined);
  const country = countryId === undefined ? undefined : deps.countries.byLegacyId(countryId);
  const code = a.serviceCode ?? null;
  const mailbox = entry.product === "email";
  return {
    id: entry.numericId,
    product: entry.product ?? null,
    who: deps.keys.whoOf(entry.owner),
    key: deps.keys.refOf(entry.owner),
    service: { code, name: mailbox ? "email" : (code && deps.serviceNames.get(code)) || null },
    country: {
      id: countryId ?? null,
      iso: a.countryIso ?? country?.iso ?? null,
      name: country?.nameEn ?? null,
    },
    phone: a.phoneNumber,
    status: a.status,
    code: a.smsCode ?? null,
    cost: a.userCost,
    createdAt: a.createdAt ?? null,
    receivedAt: a.receivedAt ?? null,
    live: entry.endedAt === undefined,
    webhook: deps.webhookState?.(entry.owner, entry.numericId) ?? null,
    version: entry.version,
  };
}
