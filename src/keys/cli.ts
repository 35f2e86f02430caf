import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { DirectoryError } from "../common/atomic-file.js";
import { describeLimits, describeUsage, type LimitArgs, parseLimitArgs } from "../common/spend-limits.js";
import {
  addKey,
  KeyFileError,
  readKeyFile,
  readKeyFileOrEmpty,
  renameKey,
  revokeKey,
  setLimits,
  setWebhook,
  webhookHost,
  webhookUrlProblem,
  writeKeyFile,
} from "./key-file.js";
import { openLedgerForCli } from "./usage-ledger.js";

/**
 * `npm run keys -- add --upstream-key K [--label L] [--webhook URL]` | `list` | `revoke <id>` |
 * `webhook <id> <URL|none>`, on the file named by `--file` or KEYS_FILE. `add` prints the new
 * gateway key once, on stdout (and with `--webhook` the webhook secret on the next line), and
 * nothing else there; `webhook` prints the new secret once. No command ever prints an upstream key
 * or a receiver URL beyond its host.
 */

const USAGE = `usage: npm run keys -- <command> [--file PATH]   (PATH defaults to $KEYS_FILE)
  add --upstream-key KEY [--label TEXT] [--webhook URL] [LIMITS]
                                issue a gateway key for KEY (use "-" to read KEY from stdin); with
                                --webhook, the gateway POSTs each SMS of this key to URL
  limit ID LIMITS | --none      set (replacing the old ones) or clear a key's spend limits
  usage ID                      today's and total spend, live count, what is left (opens the
                                gateway's store: REDIS_URL, else DATA_DIR)
  list                          id, label, created, revoked, webhook host (never keys)
  rename ID LABEL               give a key another label
  revoke ID                     the key stops working within a second
  webhook ID URL|none [--gateway-key KEY|-]
                                set (with a new signing secret) or remove a key's webhook; a key
                                issued before webhooks needs its gateway key once to link it
LIMITS: --daily USD  --total USD  --max-price USD  --services tg,wa  --countries 0,62
        --max-live N  --rate N (purchases per minute)`;

class UsageError extends Error {}

const limitArgs = (v: Record<string, string | boolean | undefined>): LimitArgs => ({
  daily: v.daily as string | undefined,
  total: v.total as string | undefined,
  maxPrice: v["max-price"] as string | undefined,
  services: v.services as string | undefined,
  countries: v.countries as string | undefined,
  maxLive: v["max-live"] as string | undefined,
  rate: v.rate as string | undefined,
});

function limitsFrom(v: Record<string, string | boolean | undefined>) {
  try {
    return parseLimitArgs(limitArgs(v));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      file: { type: "string" },
      "upstream-key": { type: "string" },
      label: { type: "string" },
      webhook: { type: "string" },
      "gateway-key": { type: "string" },
      daily: { type: "string" },
      total: { type: "string" },
      "max-price": { type: "string" },
      services: { type: "string" },
      countries: { type: "string" },
      "max-live": { type: "string" },
      rate: { type: "string" },
      none: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help) {
    // asked for: usage on stdout and success, as the other CLIs do
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (command === undefined) throw new UsageError("");
  const path = values.file ?? process.env.KEYS_FILE;
  if (!path) throw new UsageError("no keys file: pass --file PATH or set KEYS_FILE");

  switch (command) {
    case "add": {
      let upstreamKey = values["upstream-key"];
      if (upstreamKey === "-") upstreamKey = readFileSync(0, "utf8").trim();
      if (!upstreamKey) throw new UsageError("add needs --upstream-key KEY");
      const webhookUrl = values.webhook;
      const problem = webhookUrl === undefined ? undefined : webhookUrlProblem(webhookUrl);
      if (problem) throw new UsageError(`--webhook: ${problem}`);
      const limits = limitsFrom(values);
      const added = addKey(readKeyFileOrEmpty(path), {
        upstreamKey,
        ...(values.label !== undefined && { label: values.label }),
        ...(webhookUrl !== undefined && { webhookUrl }),
      });
      writeKeyFile(path, setLimits(added.file, added.entry.id, limits).file);
      const secret = added.entry.webhook?.secret;
      process.stdout.write(`${added.gatewayKey}\n${secret === undefined ? "" : `${secret}\n`}`);
      process.stderr.write(
        `added ${added.entry.id}${added.entry.label ? ` (${added.entry.label})` : ""} to ${path}; ` +
          (secret === undefined
            ? "the gateway key above is shown only this once\n"
            : `webhook to ${webhookHost(webhookUrl!)}; the gateway key (first line) and the webhook ` +
              "signing secret (second line) are shown only this once\n"),
      );
      return;
    }
    case "webhook": {
      const [id, target] = rest;
      if (!id || !target) throw new UsageError("webhook needs an id and a URL (or none)");
      const problem = target === "none" ? undefined : webhookUrlProblem(target);
      if (problem) throw new UsageError(`webhook: ${problem} (or none)`);
      let gatewayKey = values["gateway-key"];
      if (gatewayKey === "-") gatewayKey = readFileSync(0, "utf8").trim();
      const changed = setWebhook(readKeyFile(path), id, target === "none" ? null : target, {
        ...(gatewayKey !== undefined && { gatewayKey }),
      });
      writeKeyFile(path, changed.file);
      const secret = changed.entry.webhook?.secret;
      if (secret === undefined) {
        process.stdout.write(`${id}: webhook removed\n`);
        return;
      }
      process.stdout.write(`${secret}\n`);
      process.stderr.write(
        `${id}: webhook to ${webhookHost(target)}; the signing secret above (a new one) is shown only this once\n`,
      );
      return;
    }
    case "list": {
      const rows = readKeyFile(path).keys.map((k) => [
        k.id,
        k.label || "-",
        k.createdAt,
        k.revokedAt ?? "-",
        k.webhook && k.revokedAt === null ? webhookHost(k.webhook.url) : "-", // a revoked key gets nothing
      ]);
      const table = [["id", "label", "created", "revoked", "webhook"], ...rows];
      const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
      for (const row of table) {
        process.stdout.write(
          `${row
            .map((cell, i) => cell.padEnd(widths[i]!))
            .join("  ")
            .trimEnd()}\n`,
        );
      }
      return;
    }
    case "limit": {
      const id = rest[0];
      if (!id) throw new UsageError("limit needs an id (see list)");
      const limits = limitsFrom(values);
      if (values.none === true && Object.keys(limits).length > 0)
        throw new UsageError("limit: --none clears the limits; give it alone");
      if (values.none !== true && Object.keys(limits).length === 0)
        throw new UsageError("limit needs at least one limit, or --none");
      const changed = setLimits(readKeyFile(path), id, values.none === true ? null : limits);
      writeKeyFile(path, changed.file);
      process.stdout.write(`${id}: ${describeLimits(changed.entry.limits)}\n`);
      return;
    }
    case "usage": {
      const id = rest[0];
      const entry = readKeyFile(path).keys.find((k) => k.id === id);
      if (!id || !entry)
        throw new UsageError(id ? `no key with id ${JSON.stringify(id)}` : "usage needs an id");
      if (!entry.owner) throw new UsageError(`${id} was issued before spend counts were kept`);
      const ledger = await openLedgerForCli(process.env);
      try {
        const now = Date.now();
        const used = await ledger.usage(entry.owner, new Date(now).toISOString().slice(0, 10), now);
        process.stdout.write(
          `${id}: ${describeUsage(entry.limits, used)} (${describeLimits(entry.limits)})\n`,
        );
      } finally {
        await ledger.close();
      }
      return;
    }
    case "rename": {
      const [id, label] = rest;
      if (!id || label === undefined) throw new UsageError("rename needs an id and a label");
      writeKeyFile(path, renameKey(readKeyFile(path), id, label).file);
      process.stdout.write(`${id}: now ${JSON.stringify(label)}\n`);
      return;
    }
    case "revoke": {
      const id = rest[0];
      if (!id) throw new UsageError("revoke needs an id (see list)");
      const revoked = revokeKey(readKeyFile(path), id);
      writeKeyFile(path, revoked.file);
      process.stdout.write(`revoked ${revoked.entry.id} at ${revoked.entry.revokedAt}\n`);
      return;
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

run(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) {
    if (err.message) process.stderr.write(`keys: ${err.message}\n`);
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  // parseArgs errors (unknown option), KeyFileError and DirectoryError carry no key values.
  const fileProblem = err instanceof KeyFileError || err instanceof DirectoryError;
  const usage = (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") === true;
  const prefix = err instanceof DirectoryError ? "cannot write the keys file: " : "";
  process.stderr.write(
    `keys: ${fileProblem || usage ? `${prefix}${(err as Error).message}` : String(err)}\n`,
  );
  process.exit(usage ? 2 : 1);
});
