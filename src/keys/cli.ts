import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { DirectoryError } from "../common/atomic-file.js";
import {
  addKey,
  KeyFileError,
  readKeyFile,
  readKeyFileOrEmpty,
  revokeKey,
  setWebhook,
  webhookHost,
  webhookUrlProblem,
  writeKeyFile,
} from "./key-file.js";

/**
 * `npm run keys -- add --upstream-key K [--label L] [--webhook URL]` | `list` | `revoke <id>` |
 * `webhook <id> <URL|none>`, on the file named by `--file` or KEYS_FILE. `add` prints the new
 * gateway key once, on stdout (and with `--webhook` the webhook secret on the next line), and
 * nothing else there; `webhook` prints the new secret once. No command ever prints an upstream key
 * or a receiver URL beyond its host.
 */

const USAGE = `usage: npm run keys -- <command> [--file PATH]   (PATH defaults to $KEYS_FILE)
  add --upstream-key KEY [--label TEXT] [--webhook URL]
                                issue a gateway key for KEY (use "-" to read KEY from stdin); with
                                --webhook, the gateway POSTs each SMS of this key to URL
  list                          id, label, created, revoked, webhook host (never keys)
  revoke ID                     the key stops working within a second
  webhook ID URL|none [--gateway-key KEY|-]
                                set (with a new signing secret) or remove a key's webhook; a key
                                issued before webhooks needs its gateway key once to link it`;

class UsageError extends Error {}

function run(argv: string[]): void {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      file: { type: "string" },
      "upstream-key": { type: "string" },
      label: { type: "string" },
      webhook: { type: "string" },
      "gateway-key": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || command === undefined) throw new UsageError("");
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
      const added = addKey(readKeyFileOrEmpty(path), {
        upstreamKey,
        ...(values.label !== undefined && { label: values.label }),
        ...(webhookUrl !== undefined && { webhookUrl }),
      });
      writeKeyFile(path, added.file);
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
        k.webhook ? webhookHost(k.webhook.url) : "-",
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

try {
  run(process.argv.slice(2));
} catch (err) {
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
}
