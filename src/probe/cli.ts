import { parseArgs } from "node:util";
import { formatReport } from "./report.js";
import { runProbe } from "./run.js";

/**
 * `npm run probe -- --upstream URL --key KEY`: read-only calls to a native upstream, each answer
 * checked against the gateway's schemas. Exit 0 when everything matched (and for `--help`), 1 when
 * something differed or the upstream did not answer, 2 on a usage error (which names what is
 * wrong). Buys nothing unless `--buy-email` (one mailbox, within `--max-spend`, cancelled after);
 * never prints the key.
 */

const USAGE = `usage: npm run probe -- --upstream URL --key KEY [--timeout-ms MS] [--buy-email SITE:DOMAIN --max-spend USD]
  URL  the native API base, e.g. https://smsbulk.net/api/v1 (or the sandbox's http://127.0.0.1:8081/api/v1)
  KEY  an upstream api key ("-" reads it from stdin, keeping it out of the shell history)
  --buy-email SITE:DOMAIN  after the read-only calls, buy ONE mailbox (e.g. telegram.com:gmx.com) if the
                           domain's price is at most --max-spend, wait up to 30 s for its address, cancel it
Without --buy-email nothing is bought.`;

async function main(): Promise<number> {
  let values: {
    upstream?: string;
    key?: string;
    "timeout-ms"?: string;
    "buy-email"?: string;
    "max-spend"?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      options: {
        upstream: { type: "string" },
        key: { type: "string" },
        "timeout-ms": { type: "string" },
        "buy-email": { type: "string" },
        "max-spend": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    return usageError((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { upstream } = values;
  let key = values.key;
  if (!upstream || !key) {
    const missing = [!upstream && "--upstream URL", !key && "--key KEY"].filter(Boolean);
    return usageError(`missing ${missing.join(" and ")}`);
  }
  if (!/^https?:\/\//.test(upstream)) return usageError("--upstream must be an http(s) URL");
  const timeoutMs = values["timeout-ms"] === undefined ? 10_000 : Number(values["timeout-ms"]);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    return usageError("--timeout-ms must be a positive whole number of milliseconds");
  }
  const buyEmail = emailOrder(values["buy-email"], values["max-spend"]);
  if (typeof buyEmail === "string") return usageError(buyEmail);
  if (key === "-") {
    key = (await readStdin()).trim();
    if (!key) return usageError("--key - read no key from stdin");
  }
  const report = await runProbe({ upstream, key, timeoutMs, ...(buyEmail && { buyEmail }) });
  process.stdout.write(formatReport(report, key));
  return report.allMatched ? 0 : 1;
}

/** `--buy-email SITE:DOMAIN` with `--max-spend USD`, or what is wrong with them. */
function emailOrder(
  buy: string | undefined,
  maxSpend: string | undefined,
): { site: string; domain: string; maxSpend: number } | string | undefined {
  if (buy === undefined) {
    return maxSpend === undefined ? undefined : "--max-spend is only used with --buy-email";
  }
  const m = /^([^\s:]+):([^\s:]+)$/.exec(buy);
  if (!m) return "--buy-email must be SITE:DOMAIN, e.g. telegram.com:gmx.com";
  if (maxSpend === undefined) return "--buy-email needs --max-spend USD (the most the mailbox may cost)";
  if (!/^\d+(\.\d+)?$/.test(maxSpend) || Number(maxSpend) <= 0) {
    return "--max-spend must be a positive amount, e.g. 1 or 0.50";
  }
  return { site: m[1]!, domain: m[2]!, maxSpend: Number(maxSpend) };
}

/** What is wrong, then the usage, on stderr; exit code 2. */
function usageError(problem: string): number {
  process.stderr.write(`probe: ${problem}\n${USAGE}\n`);
  return 2;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`probe: failed: ${err instanceof Error ? err.name : "error"}\n`);
    process.exitCode = 1;
  },
);
