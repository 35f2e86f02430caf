import { parseArgs } from "node:util";
import { formatReport } from "./report.js";
import { runProbe } from "./run.js";

/**
 * `npm run probe -- --upstream URL --key KEY`: read-only calls to a native upstream, each answer
 * checked against the gateway's schemas. Exit 0 when everything matched, 1 when something
 * differed, 2 on a usage error. Never buys; never prints the key.
 */

const USAGE = `usage: npm run probe -- --upstream URL --key KEY [--timeout-ms MS]
  URL  the native API base, e.g. https://smsbulk.net/api/v1 (or the sandbox's http://127.0.0.1:8081/api/v1)
  KEY  an upstream api key ("-" reads it from stdin, keeping it out of the shell history)`;

async function main(): Promise<number> {
  let values: { upstream?: string; key?: string; "timeout-ms"?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        upstream: { type: "string" },
        key: { type: "string" },
        "timeout-ms": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    process.stderr.write(`probe: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  let key = values.key;
  if (key === "-") key = (await readStdin()).trim();
  const timeoutMs = values["timeout-ms"] === undefined ? 10_000 : Number(values["timeout-ms"]);
  if (values.help || !values.upstream || !key || !Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (!/^https?:\/\//.test(values.upstream)) {
    process.stderr.write(`probe: --upstream must be an http(s) URL\n${USAGE}\n`);
    return 2;
  }
  const report = await runProbe({ upstream: values.upstream, key, timeoutMs });
  process.stdout.write(formatReport(report, key));
  return report.allMatched ? 0 : 1;
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
