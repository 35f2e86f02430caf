/**
 * The email API checks that buy nothing (docs/legacy-protocol.md §9): V1 actions on the same
 * handler_api.php, answering SA's JSON envelope with HTTP 200. An endpoint that answers BAD_ACTION
 * to them does not sell mailboxes: they are skipped, not failed.
 */
import { type Check, fail, pass, skip } from "./context.js";
import {
  DEFAULT_SITE,
  domainsQuery,
  EMAIL_ACTIONS,
  envelopeOf,
  errorEnvelope,
  okEnvelope,
} from "./email-wire.js";
import { describeExchange, isObject } from "./wire.js";

/** A mailbox id nobody holds (within 32 bits). */
const UNKNOWN_ID = "2147483646";
const j = (v: unknown): string => JSON.stringify(v) ?? "undefined";
const isInt = (v: unknown) => typeof v === "number" && Number.isInteger(v);

function domainEntries(list: unknown, field: string, problems: string[]): number {
  if (!Array.isArray(list)) {
    problems.push(`response.${field} is ${j(list)}, not an array`);
    return 0;
  }
  list.forEach((d, i) => {
    if (!isObject(d) || typeof d.name !== "string") problems.push(`${field}[${i}].name is not a string`);
    else if (typeof d.cost !== "number") problems.push(`${field}[${i}].cost is ${j(d.cost)}, not a number`);
    else if (!isInt(d.count)) problems.push(`${field}[${i}].count is ${j(d.count)}, not an integer`);
  });
  return list.length;
}

const site = (c: { mailTarget?: { site: string } }) => c.mailTarget?.site ?? DEFAULT_SITE;

export const EMAIL_READ_CHECKS: readonly Check[] = [
  {
    name: "email.getDomains",
    phase: "read",
    breaks:
      "SA's email clients read response.popular and response.zones (name, cost, count) to choose a domain: another shape, and they cannot buy a mailbox",
    request: (c) => ({ query: `${c.k}&${domainsQuery(site(c))}` }),
    expect: okEnvelope((r, problems) => {
      if (!isObject(r)) {
        problems.push(`response is ${j(r)}, not {"popular":[…],"zones":[…]}`);
        return "";
      }
      const popular = domainEntries(r.popular, "popular", problems);
      const zones = domainEntries(r.zones, "zones", problems);
      return `${popular} popular domains, ${zones} zones`;
    }, true),
  },
  {
    name: "email.getDomains-no-site",
    phase: "read",
    breaks:
      'email clients read {"status":"ERROR","error":…} from an HTTP 200: another answer to a missing site is an unknown answer or an exception',
    request: (c) => ({ query: `${c.k}&action=getDomains` }),
    expect: errorEnvelope,
  },
  {
    name: "email.checkMailActivation-unknown",
    phase: "read",
    breaks:
      "email clients poll checkMailActivation until full_message or an error envelope: anything else for an unknown id makes them poll forever or crash",
    request: (c) => ({ query: `${c.k}&action=checkMailActivation&id=${UNKNOWN_ID}` }),
    expect: errorEnvelope,
  },
  {
    name: "email.getMailHistory",
    phase: "read",
    breaks:
      'email clients read {"status":"OK","response":{"list":[…]}} with id, email and status (WAIT, SUCCESS, CANCEL) in each row',
    request: (c) => ({ query: `${c.k}&action=getMailHistory` }),
    expect: okEnvelope((r, problems) => {
      const list = isObject(r) ? r.list : undefined;
      if (!Array.isArray(list)) {
        problems.push(`response is ${j(r)}, not {"list":[…]}`);
        return "";
      }
      list.forEach((row, i) => {
        if (!isObject(row) || !isInt(row.id)) problems.push(`list[${i}].id is not an integer`);
        else if (typeof row.email !== "string") problems.push(`list[${i}].email is ${j(row.email)}`);
        else if (!["WAIT", "SUCCESS", "CANCEL"].includes(String(row.status)))
          problems.push(`list[${i}].status is ${j(row.status)}`);
      });
      return `${list.length} mailboxes listed`;
    }),
  },
];

export const EMAIL_ANSWER_CHECKS: readonly Check[] = [
  {
    name: "email.answers-json",
    phase: "answers",
    breaks: "email clients json-decode every V1 email answer: a bare token or a page makes them raise",
    run: async (ctx) => {
      const email = ctx.exchanges.filter((e) => {
        const action = /(?:^|[?&])action=([^&\s]*)/.exec(e.sent)?.[1] ?? "";
        return e.status !== undefined && EMAIL_ACTIONS.has(action) && e.body !== "BAD_ACTION";
      });
      if (email.length === 0) return skip("no email answers (the endpoint does not offer them)");
      const bad = email.filter((e) => "problem" in envelopeOf(e.body));
      if (bad.length > 0) {
        const shown = bad.slice(0, 2).map((e) => describeExchange(e));
        return fail(
          `${bad.length} of ${email.length} email answers are not the JSON envelope: ${shown.join("; ")}`,
        );
      }
      return pass(`all ${email.length} email answers are the JSON envelope`);
    },
  },
];
