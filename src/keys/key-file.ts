import { createHash, randomBytes } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { z } from "zod";
import { writeFileAtomic } from "../common/atomic-file.js";
import { hasLinkLocalHost, LINK_LOCAL_REFUSAL } from "../common/link-local.js";
import { ownerOf } from "../common/owner.js";
import { type SpendLimits, spendLimitsSchema } from "../common/spend-limits.js";
import type { LabelledKeyResolver } from "./resolver.js";

/**
 * The gateway keys file (KEYS_FILE): which keys bots may present, and the upstream key the gateway
 * uses for each. Gateway keys are stored only as SHA-256 hashes (they are 128-bit random, so a
 * plain hash cannot be reversed by guessing). Upstream keys must be usable, so they are stored as
 * they are: the file is the operator's secret store and is written with mode 0600.
 */

const HASH = /^[0-9a-f]{64}$/;

/** Only http and https receivers, with a host (docs/legacy-protocol.md §8). */
const webhookUrlSchema = z.url({ protocol: /^https?$/, hostname: /.+/ });

/** Why a webhook URL cannot be a receiver, in one line, or undefined when it can. */
export function webhookUrlProblem(text: string): string | undefined {
  if (!webhookUrlSchema.safeParse(text).success) return "the webhook URL must be an http:// or https:// URL";
  if (hasLinkLocalHost(text)) return `the webhook URL's host: ${LINK_LOCAL_REFUSAL}`;
  return undefined;
}

/** A receiver's host, the only part of its URL ever shown or logged (the rest may carry a token). */
export function webhookHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "?";
  }
}

const keyEntrySchema = z.object({
  id: z.string().regex(/^[a-z0-9_-]{1,32}$/),
  hash: z.string().regex(HASH, "a SHA-256 hex digest"),
  /**
   * the gateway's owner hash of the gateway key (`ownerOf`), which activations are stored under:
   * how a webhook finds its key. Keys issued before webhooks lack it until `keys webhook` links them.
   */
  owner: z
    .string()
    .regex(/^[0-9a-f]{40}$/)
    .optional(),
  upstreamKey: z.string().min(1),
  label: z.string().default(""),
  createdAt: z.string(),
  revokedAt: z.string().nullable().default(null),
  /** where the gateway POSTs this key's SMS, and the secret it signs them with */
  webhook: z
    .object({ url: webhookUrlSchema, secret: z.string().min(16) })
    .nullable()
    .default(null),
  /** spend limits (README "Spend limits"); absent: none */
  limits: spendLimitsSchema.optional(),
});
export type KeyEntry = z.infer<typeof keyEntrySchema>;

export const keyFileSchema = z
  .object({ version: z.literal(1), keys: z.array(keyEntrySchema) })
  .superRefine((file, ctx) => {
    const ids = new Set<string>();
    const hashes = new Set<string>();
    file.keys.forEach((k, i) => {
      if (ids.has(k.id)) ctx.addIssue({ code: "custom", path: ["keys", i, "id"], message: "duplicate id" });
      if (hashes.has(k.hash))
        ctx.addIssue({ code: "custom", path: ["keys", i, "hash"], message: "duplicate hash" });
      ids.add(k.id);
      hashes.add(k.hash);
    });
  });
export type KeyFile = z.infer<typeof keyFileSchema>;

export class KeyFileError extends Error {
  override name = "KeyFileError";
}

export const emptyKeyFile = (): KeyFile => ({ version: 1, keys: [] });

export function hashKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** A webhook signing secret: `whsec_` and 48 hex characters (192 random bits). */
function generateWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString("hex")}`;
}

/** 32 lower-case hex characters: the shape of an SMS-Activate key, which every client accepts. */
export function generateGatewayKey(): string {
  return randomBytes(16).toString("hex");
}

/** Parses file text; errors name the path inside the file, never a value. */
export function parseKeyFile(text: string, source = "keys file"): KeyFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new KeyFileError(`${source}: not valid JSON`);
  }
  const parsed = keyFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new KeyFileError(`${source}: invalid at ${issue?.path.join(".") || "(root)"}: ${issue?.message}`);
  }
  return parsed.data;
}

export function readKeyFile(path: string): KeyFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new KeyFileError(`cannot read keys file ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  return parseKeyFile(text, path);
}

/**
 * Like readKeyFile, but a missing file is an empty one (for the first `keys add`); so is a path
 * under a regular file (ENOTDIR), whose write then names the directory that cannot be made.
 */
export function readKeyFileOrEmpty(path: string): KeyFile {
  try {
    statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return emptyKeyFile();
  }
  return readKeyFile(path);
}

/**
 * Writes atomically (temp file + rename), mode 0600, so a running gateway never reads half a file;
 * a missing directory is created with mode 0700.
 */
export function writeKeyFile(path: string, file: KeyFile): void {
  writeFileAtomic(path, `${JSON.stringify(keyFileSchema.parse(file), null, 2)}\n`, { mode: 0o600 });
}

export function addKey(
  file: KeyFile,
  opts: { upstreamKey: string; label?: string; now?: Date; gatewayKey?: string; webhookUrl?: string },
): { file: KeyFile; entry: KeyEntry; gatewayKey: string } {
  if (opts.upstreamKey.trim() === "") throw new KeyFileError("the upstream key is empty");
  const problem = opts.webhookUrl === undefined ? undefined : webhookUrlProblem(opts.webhookUrl);
  if (problem) throw new KeyFileError(problem);
  const gatewayKey = opts.gatewayKey ?? generateGatewayKey();
  const taken = new Set(file.keys.map((k) => k.id));
  let id: string;
  do id = `gk_${randomBytes(4).toString("hex")}`;
  while (taken.has(id));
  const entry: KeyEntry = {
    id,
    hash: hashKey(gatewayKey),
    owner: ownerOf(gatewayKey),
    upstreamKey: opts.upstreamKey.trim(),
    label: opts.label ?? "",
    createdAt: (opts.now ?? new Date()).toISOString(),
    revokedAt: null,
    webhook: opts.webhookUrl === undefined ? null : { url: opts.webhookUrl, secret: generateWebhookSecret() },
  };
  if (file.keys.some((k) => k.hash === entry.hash)) throw new KeyFileError("this gateway key exists already");
  return { file: { ...file, keys: [...file.keys, entry] }, entry, gatewayKey };
}

export function revokeKey(file: KeyFile, id: string, now = new Date()): { file: KeyFile; entry: KeyEntry } {
  const found = file.keys.find((k) => k.id === id);
  if (!found) throw new KeyFileError(`no key with id ${JSON.stringify(id)}`);
  const entry = { ...found, revokedAt: found.revokedAt ?? now.toISOString() };
  return { file: { ...file, keys: file.keys.map((k) => (k.id === id ? entry : k)) }, entry };
}

/**
 * Sets (a new secret each time) or removes (`null`) a key's webhook. A key issued before webhooks
 * has no owner hash: its gateway key, given once, links it (checked against the stored hash).
 */
export function setWebhook(
  file: KeyFile,
  id: string,
  url: string | null,
  opts: { gatewayKey?: string } = {},
): { file: KeyFile; entry: KeyEntry } {
  const found = file.keys.find((k) => k.id === id);
  if (!found) throw new KeyFileError(`no key with id ${JSON.stringify(id)}`);
  if (found.revokedAt !== null) throw new KeyFileError(`${id} is revoked`);
  let owner = found.owner;
  if (opts.gatewayKey !== undefined) {
    if (hashKey(opts.gatewayKey) !== found.hash)
      throw new KeyFileError(`that is not the gateway key of ${id}`);
    owner = ownerOf(opts.gatewayKey);
  }
  if (url !== null && owner === undefined) {
    throw new KeyFileError(
      `${id} was issued before webhooks: give its gateway key once with --gateway-key - (read from stdin) to link it`,
    );
  }
  const problem = url === null ? undefined : webhookUrlProblem(url);
  if (problem) throw new KeyFileError(problem);
  const entry: KeyEntry = {
    ...found,
    ...(owner !== undefined && { owner }),
    webhook: url === null ? null : { url, secret: generateWebhookSecret() },
  };
  return { file: { ...file, keys: file.keys.map((k) => (k.id === id ? entry : k)) }, entry };
}

/** Gives a key another label (what the console and `list` show for it). */
export function renameKey(file: KeyFile, id: string, label: string): { file: KeyFile; entry: KeyEntry } {
  const found = file.keys.find((k) => k.id === id);
  if (!found) throw new KeyFileError(`no key with id ${JSON.stringify(id)}`);
  const entry = { ...found, label };
  return { file: { ...file, keys: file.keys.map((k) => (k.id === id ? entry : k)) }, entry };
}

/** Sets a key's spend limits; `null` or no limit at all clears them. */
export function setLimits(
  file: KeyFile,
  id: string,
  limits: SpendLimits | null,
): { file: KeyFile; entry: KeyEntry } {
  const found = file.keys.find((k) => k.id === id);
  if (!found) throw new KeyFileError(`no key with id ${JSON.stringify(id)}`);
  const { limits: _old, ...rest } = found;
  const entry: KeyEntry = limits === null || Object.keys(limits).length === 0 ? rest : { ...rest, limits };
  return { file: { ...file, keys: file.keys.map((k) => (k.id === id ? entry : k)) }, entry };
}

/** Active keys only: hash of the gateway key → its entry. */
function activeTable(file: KeyFile): Map<string, KeyEntry> {
  return new Map(file.keys.filter((k) => k.revokedAt === null).map((k) => [k.hash, k]));
}

export interface KeyFileWatchOptions {
  /** how often at most the file's mtime is checked (default 1000 ms) */
  checkIntervalMs?: number;
  now?: () => number;
  /** a reload that failed (the previous keys stay in force); the message carries no key */
  onReloadError?: (message: string) => void;
  /** a reload that succeeded */
  onReload?: (file: KeyFile) => void;
}

/**
 * The keys file as it is now. Reads the file at once (throws KeyFileError if it is missing or
 * invalid, so start-up fails), then re-reads it when its mtime, size or inode changed, checking at
 * most once per `checkIntervalMs` when asked. A file that becomes unreadable or invalid leaves the
 * previous contents in force.
 */
export function watchKeyFile(path: string, opts: KeyFileWatchOptions = {}): () => KeyFile {
  const interval = opts.checkIntervalMs ?? 1000;
  const now = opts.now ?? Date.now;
  // Taken before each read, so a write that races the read is seen at the next check.
  const signature = () => {
    try {
      const s = statSync(path);
      return `${s.mtimeMs}:${s.size}:${s.ino}`;
    } catch (err) {
      throw new KeyFileError(`cannot read keys file ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
  };
  let seen = signature();
  let file = readKeyFile(path);
  let checkedAt = now();
  let lastError: string | undefined;

  const refresh = () => {
    checkedAt = now();
    try {
      const current = signature();
      if (current === seen) return;
      file = readKeyFile(path);
      seen = current;
      lastError = undefined;
      opts.onReload?.(file);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (message !== lastError) opts.onReloadError?.(message); // once per problem, not every second
      lastError = message;
    }
  };

  return () => {
    if (now() - checkedAt >= interval) refresh();
    return file;
  };
}

export interface KeyResolverOptions extends Omit<KeyFileWatchOptions, "onReload"> {
  /** a reload that succeeded */
  onReload?: (activeKeys: number) => void;
}

/**
 * A `KeyResolver` over a keys file (see `watchKeyFile`: read now, re-read when it changes, checked
 * at most once per `checkIntervalMs` on the request path). Presented keys are only ever hashed and
 * looked up by hash; unknown and revoked keys resolve to undefined.
 */
export function loadKeyResolver(path: string, opts: KeyResolverOptions = {}): LabelledKeyResolver {
  const { onReload, ...watch } = opts;
  const current = watchKeyFile(path, {
    ...watch,
    ...(onReload && { onReload: (file: KeyFile) => onReload(activeTable(file).size) }),
  });
  let file: KeyFile | undefined;
  let table = new Map<string, KeyEntry>();
  const entryOf = (presented: string) => {
    const latest = current();
    if (latest !== file) {
      file = latest;
      table = activeTable(latest);
    }
    return table.get(hashKey(presented));
  };
  const resolve = (presented: string) => entryOf(presented)?.upstreamKey;
  let byOwner = new Map<string, KeyEntry>();
  let byOwnerOf: KeyFile | undefined;
  const entryOfOwner = (owner: string) => {
    const latest = current();
    if (latest !== byOwnerOf) {
      byOwnerOf = latest;
      byOwner = new Map([...activeTable(latest).values()].flatMap((k) => (k.owner ? [[k.owner, k]] : [])));
    }
    return byOwner.get(owner);
  };
  return Object.assign(resolve, {
    labelOf: (presented: string) => entryOf(presented)?.label || undefined,
    limitsOf: (presented: string) => entryOf(presented)?.limits,
    limitsOfOwner: (owner: string) => entryOfOwner(owner)?.limits,
  });
}
