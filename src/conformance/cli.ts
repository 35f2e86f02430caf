import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { MailTarget, Target } from "./context.js";
import { exitCode, formatJson, formatText, redact } from "./report.js";
import { EndpointError, parseEndpoint, runConformance } from "./run.js";

/**
 * `npm run -s conformance -- --endpoint URL --key KEY [--buy SERVICE:COUNTRY] [--buy-email SITE:DOMAIN] [--max-spend USD]`:
 * checks a handler_api.php endpoint the way real SMS-Activate clients use it. Exit 0 when every
 * check passed (SKIP is not a failure), 1 when one failed or the endpoint did not answer, 2 on a
 * usage error. The key is never printed.
 */

export const USAGE = `usage: npm run -s conformance -- --endpoint URL --key KEY [options]
  --endpoint URL          the handler URL, e.g. https://host/stubs/handler_api.php
                          (a bare host means /stubs/handler_api.php)
  --key KEY               the api_key to use ("-" reads it from stdin); never printed
  --buy SERVICE:COUNTRY   also buy numbers (getNumber, then getNumberV2), e.g. --buy tg:62;
                          needs --max-spend; every number is completed or cancelled before exit
  --buy-email SITE:DOMAIN also buy one mailbox (buyMailActivation), e.g. --buy-email telegram.com:gmx.com;
                          needs --max-spend; polled for its message, cancelled if none came
  --max-spend USD         the most the purchases may spend (checked against the price first)
  --wait SECONDS          how long to wait for a code, and for a cancel to be allowed (default 30)
  --timeout SECONDS       the whole run's deadline (default 300); past it the checks stop, numbers
                          bought are settled briefly and the report is printed
  --ca FILE               a PEM certificate to trust for https (your own CA, a self-signed one)
  --json                  print the report as JSON
  -h, --help              this text
Without --buy or --buy-email nothing is bought. Exit 0 all passed, 1 a check failed or no answer, 2 usage error.`;

interface Parsed {
  endpoint: string;
  key: string;
  buy?: Target;
  buyEmail?: MailTarget;
  maxSpend?: number;
  waitS: number;
  timeoutS?: number;
  ca?: Buffer;
  json: boolean;
}

class UsageError extends Error {}

function parse(argv: string[]): Parsed | "help" {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        endpoint: { type: "string" },
        key: { type: "string" },
        buy: { type: "string" },
        "buy-email": { type: "string" },
        "max-spend": { type: "string" },
        wait: { type: "string" },
        timeout: { type: "string" },
        ca: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return "help";
  const str = (name: string): string | undefined => {
    const v = values[name];
    return typeof v === "string" ? v : undefined;
  };
  const endpoint = str("endpoint");
  const key = str("key");
  if (endpoint === undefined || endpoint === "") throw new UsageError("--endpoint is missing");
  if (key === undefined || key === "") throw new UsageError("--key is missing");
  try {
    parseEndpoint(endpoint);
  } catch (err) {
    if (err instanceof EndpointError) throw new UsageError(err.message);
    throw err;
  }
  const out: Parsed = { endpoint, key, waitS: 30, json: values.json === true };
  const buy = str("buy");
  if (buy !== undefined) {
    const m = /^([A-Za-z0-9_-]+):([A-Za-z0-9]+)$/.exec(buy);
    if (!m) throw new UsageError("--buy must be SERVICE:COUNTRY, e.g. tg:62");
    out.buy = { service: m[1]!, country: m[2]! };
  }
  const buyEmail = str("buy-email");
  if (buyEmail !== undefined) {
    const m = /^([^\s:]+):([^\s:]+)$/.exec(buyEmail);
    if (!m) throw new UsageError("--buy-email must be SITE:DOMAIN, e.g. telegram.com:gmx.com");
    out.buyEmail = { site: m[1]!, domain: m[2]! };
  }
  const maxSpend = str("max-spend");
  if (maxSpend !== undefined) {
    if (!/^\d+(\.\d+)?$/.test(maxSpend) || Number(maxSpend) <= 0) {
      throw new UsageError("--max-spend must be a positive amount, e.g. 1 or 0.50");
    }
    out.maxSpend = Number(maxSpend);
  }
  if (out.buy && out.maxSpend === undefined) {
    throw new UsageError("--buy needs --max-spend USD (the most the purchases may spend)");
  }
  if (out.buyEmail && out.maxSpend === undefined) {
    throw new UsageError("--buy-email needs --max-spend USD (the most the purchases may spend)");
  }
  const wait = str("wait");
  if (wait !== undefined) {
    if (!/^\d+$/.test(wait) || Number(wait) < 1 || Number(wait) > 3600) {
      throw new UsageError("--wait must be whole seconds from 1 to 3600");
    }
    out.waitS = Number(wait);
  }
  const timeout = str("timeout");
  if (timeout !== undefined) {
    if (!/^\d+$/.test(timeout) || Number(timeout) < 1 || Number(timeout) > 86_400) {
      throw new UsageError("--timeout must be whole seconds from 1 to 86400");
    }
    out.timeoutS = Number(timeout);
  }
  const ca = str("ca");
  if (ca !== undefined) {
    try {
      out.ca = readFileSync(ca);
    } catch (err) {
      throw new UsageError(`cannot read --ca ${ca}: ${(err as NodeJS.ErrnoException).code ?? "error"}`);
    }
  }
  return out;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function main(): Promise<number> {
  let args: Parsed | "help";
  try {
    args = parse(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`conformance: ${err.message}\n${USAGE}\n`);
    return 2;
  }
  if (args === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.key === "-") {
    args.key = (await readStdin()).trim();
    if (args.key === "") {
      process.stderr.write(`conformance: --key -: nothing came on stdin\n${USAGE}\n`);
      return 2;
    }
  }
  const key = args.key;

  // Ctrl-C: stop checking, settle what was bought, then report. A second Ctrl-C exits at once.
  const controller = new AbortController();
  process.once("SIGINT", () => {
    process.stderr.write(
      "\nconformance: interrupted: settling any number bought (Ctrl-C again to quit now)\n",
    );
    controller.abort();
    process.once("SIGINT", () => process.exit(130));
  });

  const tty = process.stderr.isTTY === true;
  const report = await runConformance({
    endpoint: args.endpoint,
    key,
    ...(args.buy && { buy: args.buy }),
    ...(args.buyEmail && { buyEmail: args.buyEmail }),
    ...(args.maxSpend !== undefined && { maxSpend: args.maxSpend }),
    waitS: args.waitS,
    ...(args.timeoutS !== undefined && { deadlineMs: args.timeoutS * 1000 }),
    ...(args.ca && { ca: args.ca }),
    signal: controller.signal,
    onProgress: (i, n, name) => {
      const line = redact(`[${i}/${n}] ${name}…`, key);
      process.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
    },
  });
  if (tty) process.stderr.write("\r\x1b[K");
  process.stdout.write(args.json ? formatJson(report, key) : formatText(report, key));
  return exitCode(report);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`conformance: failed: ${err instanceof Error ? err.name : "error"}\n`);
    process.exitCode = 1;
  },
);
