import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Redis } from "ioredis";
import { writeFileAtomic } from "../common/atomic-file.js";

/**
 * Where the last good catalogue is kept between runs, as one JSON document (the catalogue owns
 * its shape and validates it on load). A restart starts warm even with the upstream down.
 */
export interface SnapshotStore {
  /** for logs */
  readonly where: string;
  /** the saved document, or undefined when there is none */
  load(): Promise<string | undefined>;
  save(document: string): Promise<void>;
  close(): Promise<void>;
}

export const SNAPSHOT_FILE = "catalog-snapshot.json";
const SNAPSHOT_REDIS_KEY = "smsgw:catalog:snapshot";

/** A file, replaced atomically (temp file in the same directory + rename): never half written. */
export function fileSnapshotStore(path: string): SnapshotStore {
  return {
    where: path,
    async load() {
      try {
        return await readFile(path, "utf8");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw err;
      }
    },
    async save(document) {
      writeFileAtomic(path, document);
    },
    async close() {},
  };
}

/** One Redis key (SET replaces it atomically), shared by replicas. */
export function redisSnapshotStore(url: string, key = SNAPSHOT_REDIS_KEY): SnapshotStore {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    commandTimeout: 5000,
    maxRetriesPerRequest: 1,
  });
  // Failures surface through the commands; without a listener ioredis would print every one.
  redis.on("error", () => undefined);
  return {
    where: `redis key ${key}`,
    async load() {
      return (await redis.get(key)) ?? undefined;
    },
    async save(document) {
      await redis.set(key, document);
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** The Redis key when REDIS_URL is set, else a file in DATA_DIR. */
export function openCatalogSnapshotStore(config: {
  DATA_DIR: string;
  REDIS_URL?: string | undefined;
}): SnapshotStore {
  return config.REDIS_URL
    ? redisSnapshotStore(config.REDIS_URL)
    : fileSnapshotStore(join(config.DATA_DIR, SNAPSHOT_FILE));
}
