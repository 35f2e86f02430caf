import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { toCents } from "../common/money.js";
import { mulberry32 } from "../common/mulberry32.js";
import { ownerOf } from "../common/owner.js";
import { addKey, emptyKeyFile, setLimits, writeKeyFile } from "../keys/key-file.js";
import { sandboxConfig } from "../sandbox/config.js";
import { startSandbox } from "../sandbox/server.js";
import { openRedisIdStore } from "../store/redis.js";
import { audit, type HandedItem, type SoldItem } from "./audit.js";
import {
  type BotContext,
  type Call,
  crossKeyPoller,
  garbageBot,
  lister,
  mailboxBuyer,
  newRecord,
  numberBuyer,
} from "./bots.js";
import { type ChaosKind, faultsOf, PHASE_MS, RECEIVER_DOWN_MS, schedule } from "./chaos.js";
import { freePort, SoakGateway, SoakRedis } from "./processes.js";
import { SoakReceiver } from "./receiver.js";
import { reportHtml } from "./report-html.js";
import { type RedisSample, type ReplicaSample, sampleRedis, sampleReplica, summarize } from "./resources.js";

/**
 * `npm run soak -- --minutes N [--replicas 2] [--seed S] [--json]`: a fleet against N replicas on
 * one Redis in front of a sandbox, chaos on a seeded schedule, then the books audited against the
 * sandbox's records. The last line of `--json` is `{"audit","chaos","resources"}`. Exit 1 when the
 * audit finds a problem.
 */
const USAGE = "usage: npm run soak -- --minutes N [--replicas 2] [--seed S] [--json] [--report FILE]";
const WALLET = "10000.00";
const SETTLE_MS = 120_000;
/** the limited key's daily limit */
const LIMIT_CENTS = 300;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      minutes: { type: "string" },
      replicas: { type: "string", default: "2" },
      seed: { type: "string", default: "1" },
      json: { type: "boolean", default: false },
      report: { type: "string", default: "soak-report.html" },
    },
  });
  const minutes = Number(values.minutes);
  const replicas = Number(values.replicas);
  const seed = Number(values.seed);
  if (
    !(minutes > 0 && minutes <= 24 * 60) ||
    !Number.isInteger(replicas) ||
    replicas < 1 ||
    replicas > 8 ||
    !Number.isInteger(seed)
  ) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const random = mulberry32(seed);
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const durationMs = minutes * 60_000;

  const upstreamKeys = ["soak-upstream-a-0000000000000000", "soak-upstream-b-0000000000000000"];
  const sandbox = await startSandbox(
    sandboxConfig({
      accounts: upstreamKeys.map((apiKey) => ({ apiKey, balance: WALLET })),
      autoSms: true,
      smsDelayMs: 15_000,
      cancelCooldownS: 0,
      rateLimitPerS: 100_000,
    }),
    { random: mulberry32(seed + 1) },
  );
  const control = (path: string, init?: RequestInit) => fetch(`${sandbox.url}${path}`, init);
  const put = (path: string, body: unknown) =>
    control(path, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const setFaults = (rules: unknown[]) => put("/sandbox/faults", { rules });
  // stock for hours of buying: a fleet that empties an offer tests NO_NUMBERS, not the books
  await put("/sandbox/offers", { serviceCode: "tg", countryIso: "ID", stock: 1_000_000 });
  await put("/sandbox/email-domains", { site: "telegram.com", domain: "gmx.com", stock: 1_000_000 });

  const receiver = new SoakReceiver();
  const webhookUrl = await receiver.start();
  // four gateway keys: two on upstream key A (one only lists and polls others' ids), two on B (one
  // with a webhook, one with a daily spend limit)
  let file = emptyKeyFile();
  const keys: string[] = [];
  for (const [upstreamKey, label] of [
    [upstreamKeys[0]!, "buyer-a"],
    [upstreamKeys[0]!, "second-a"],
    [upstreamKeys[1]!, "buyer-b"],
    [upstreamKeys[1]!, "limited-b"],
  ] as const) {
    const added = addKey(file, { upstreamKey, label, ...(label === "buyer-b" && { webhookUrl }) });
    file =
      label === "limited-b"
        ? setLimits(added.file, added.entry.id, { dailyCents: LIMIT_CENTS }).file
        : added.file;
    keys.push(added.gatewayKey);
  }
  const keysFile = join(mkdtempSync(join(tmpdir(), "soak-keys-")), "keys.json");
  writeKeyFile(keysFile, file);

  const redis = new SoakRedis(await freePort());
  await redis.start();
  const env = {
    UPSTREAM_URL: sandbox.apiBase,
    REDIS_URL: redis.url,
    KEYS_FILE: keysFile,
    LOG_LEVEL: "silent",
    PURCHASE_TIMEOUT_MS: "2000",
    ORPHAN_SWEEP_S: "5",
    // retries within the settle time, so that a run of minutes can judge every delivery
    WEBHOOK_RETRY_S: "1,2,5,10,20,30",
  };
  const gateways: SoakGateway[] = [];
  for (let i = 0; i < replicas; i++) gateways.push(new SoakGateway(`gw${i + 1}`, await freePort(), env));
  await Promise.all(gateways.map((g) => g.start()));
  say(`soak: ${minutes} min, ${replicas} replicas, seed ${seed}; sandbox ${sandbox.url}, redis ${redis.url}`);

  const record = newRecord();
  const started = Date.now();
  const callAs =
    (key: string): Call =>
    async (params) => {
      const alive = gateways.filter((g) => g.alive);
      const g = alive[Math.floor(random() * alive.length)];
      if (!g) return undefined;
      try {
        const res = await fetch(
          `${g.url}/stubs/handler_api.php?${new URLSearchParams({ api_key: key, ...params })}`,
          {
            signal: AbortSignal.timeout(30_000),
          },
        );
        return await res.text();
      } catch {
        return undefined; // a replica down: nothing was handed over
      }
    };
  const lookups = await openRedisIdStore({ url: redis.url });
  const resolve = async (key: string, id: string) => {
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        return (await lookups.resolve(Number(id), ownerOf(key)))?.upstreamId;
      } catch {
        await new Promise((r) => setTimeout(r, 500)); // Redis restarting
      }
    }
    return undefined;
  };
  const ctx: BotContext = { callAs, record, resolve, random, deadline: started + durationMs };
  const [a, a2, b, limited] = keys as [string, string, string, string];

  const chaos: { at: number; kind: ChaosKind; detail?: string }[] = [];
  const chaosRun = (async () => {
    for (const event of schedule(durationMs, random)) {
      const wait = started + event.atMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const at = Math.round((Date.now() - started) / 1000);
      const target = gateways[Math.floor(random() * gateways.length)]!;
      say(
        `chaos +${at}s ${event.kind}${event.kind === "kill" || event.kind === "sigterm" ? ` ${target.name}` : ""}`,
      );
      chaos.push({ at, kind: event.kind });
      const faults = faultsOf(event.kind);
      if (faults) {
        await setFaults(faults);
        await new Promise((r) => setTimeout(r, PHASE_MS));
        await setFaults([]);
      } else if (event.kind === "receiver-down") {
        receiver.down = true;
        await new Promise((r) => setTimeout(r, RECEIVER_DOWN_MS));
        receiver.down = false;
      } else if (event.kind === "kill" || event.kind === "sigterm") {
        await target.kill(event.kind === "kill" ? "SIGKILL" : "SIGTERM");
        await new Promise((r) => setTimeout(r, 2000));
        await target.start();
      } else {
        await redis.restart(event.kind === "redis-empty");
      }
    }
  })();

  const samples: ReplicaSample[] = [];
  const redisSamples: RedisSample[] = [];
  const sample = async () => {
    const atS = Math.round((Date.now() - started) / 1000);
    for (const g of gateways) {
      const pid = g.pid;
      if (pid === undefined) continue;
      try {
        samples.push(await sampleReplica(atS, { name: g.name, pid, url: g.url }));
      } catch {
        // exited between the check and the read
      }
    }
    const r = await sampleRedis(atS, redis.url);
    if (r) redisSamples.push(r);
    const last = samples.filter((x) => x.atS === atS);
    say(
      `soak +${atS}s: handed ${record.handed.size}, answers ${[...record.answers].map(([w, n]) => `${w} ${n}`).join(", ")}; ${last.map((s) => `${s.replica} ${s.rssMb} MB rss, ${s.heapMb ?? "?"} MB heap, ${s.fds} fds`).join("; ")}; redis ${r ? `${r.usedMb} MB, ${r.keys} keys` : "down"}`,
    );
  };
  await sample();
  const sampler = setInterval(() => void sample(), 30_000);

  await Promise.all([
    ...Array.from({ length: 4 }, () => numberBuyer(ctx, a)),
    ...Array.from({ length: 3 }, () => numberBuyer(ctx, b)),
    numberBuyer(ctx, limited),
    numberBuyer(ctx, limited),
    mailboxBuyer(ctx, a),
    mailboxBuyer(ctx, b),
    crossKeyPoller(ctx, a2),
    lister(ctx, a2),
    garbageBot(ctx, b),
    chaosRun,
  ]);
  clearInterval(sampler);
  await setFaults([]);
  for (const g of gateways) if (!g.alive) await g.start();

  say(`soak: fleet stopped; settling (at most ${SETTLE_MS / 1000} s)`);
  const ids = await openRedisIdStore({ url: redis.url });
  const settleBy = Date.now() + SETTLE_MS;
  while (Date.now() < settleBy && (await ids.openIntents()).length > 0)
    await new Promise((r) => setTimeout(r, 1000));
  const openIntents = (await ids.openIntents()).length;
  while (Date.now() < settleBy && (await ids.webhookBacklog()).pending > 0)
    await new Promise((r) => setTimeout(r, 1000));

  const handed = new Map<string, HandedItem>();
  for (const [slot, { times, upstreamId, address }] of record.handed) {
    const [key, id] = slot.split(":") as [string, string];
    handed.set(`${keys.indexOf(key)}:${id}`, { upstreamId: await upstreamId, times, address });
  }
  await ids.close();
  await lookups.close();

  const sold: SoldItem[] = [];
  let walletEndCents = 0;
  for (const upstreamKey of upstreamKeys) {
    const q = `?apiKey=${encodeURIComponent(upstreamKey)}`;
    for (const path of ["/sandbox/activations", "/sandbox/email-activations"]) {
      const { data } = (await (await control(`${path}${q}`)).json()) as { data: SoldItem[] };
      sold.push(...data);
    }
    const balance = (await (
      await fetch(`${sandbox.apiBase}/wallet/balance`, { headers: { "x-api-key": upstreamKey } })
    ).json()) as {
      balance: string;
    };
    walletEndCents += toCents(balance.balance) ?? 0;
  }
  const result = audit({
    sold,
    handed,
    crossKey: record.crossKey,
    walletStartCents: (toCents(WALLET) ?? 0) * upstreamKeys.length,
    walletEndCents,
    openIntents,
    limits: [{ prefix: "3:", limitCents: LIMIT_CENTS }],
    webhook: { prefix: "2:", delivered: receiver.delivered },
  });

  const resources = summarize(samples, redisSamples, durationMs / 2000);

  for (const g of gateways) await g.kill("SIGTERM");
  await redis.stop();
  await sandbox.close();
  await receiver.close();

  const { problems, ...figures } = result;
  for (const line of problems) say(`AUDIT ${line}`);
  for (const line of record.crossKeyAnswers.slice(0, 10)) say(`AUDIT cross-key: ${line}`);
  say(
    `soak: sold ${figures.sold}, handed ${figures.handed}, refunded ${figures.refunded}, charged-unhanded ${figures.chargedUnhanded}, duplicates ${figures.duplicates}, cross-key ${figures.crossKey}, wallet diff ${figures.walletDiff}, open intents ${figures.openIntents}: ${problems.length === 0 ? "PASS" : "FAIL"}`,
  );
  const webhook = { delivered: receiver.delivered.size, repeats: receiver.repeats };
  const verdict = `sold ${figures.sold}, handed ${figures.handed}, charged-unhanded ${figures.chargedUnhanded}, duplicates ${figures.duplicates}, cross-key ${figures.crossKey}, wallet diff ${figures.walletDiff}, webhook lost ${figures.webhookLost}, open intents ${figures.openIntents}: ${problems.length === 0 ? "PASS" : "FAIL"}`;
  writeFileSync(
    values.report,
    reportHtml({
      title: `Soak: ${minutes} min, ${replicas} replicas, seed ${seed}`,
      verdict,
      samples,
      redis: redisSamples,
      chaos,
      endS: Math.round((Date.now() - started) / 1000),
      problems,
    }),
  );
  say(`soak: report in ${values.report}`);
  if (values.json)
    process.stdout.write(`${JSON.stringify({ audit: figures, problems, chaos, resources, webhook })}\n`);
  return problems.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`soak: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
