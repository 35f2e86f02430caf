import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { textAtMost } from "../common/capped-body.js";
import { parseJsonOrUndefined } from "../common/json.js";

/**
 * When the upstream is a sandbox, its catalogue changes (`PUT /sandbox/offers`) show at once instead
 * of after `CATALOG_TTL_S`. The sandbox keeps a catalogue version (docs/native-api.md §8.3); this
 * long-polls `GET /sandbox/catalog/version` next to the upstream's `/api/v1`, has the offers of the
 * services that changed reloaded, then polls again, which is what the sandbox waits for before it
 * answers the change. Against an upstream that is not a sandbox (a 404 or any other answer) it
 * stops after that first request; while the upstream cannot be reached it retries with a back-off.
 */
export interface SandboxWatchOptions {
  /** the native API base, e.g. `http://127.0.0.1:8081/api/v1` */
  upstreamUrl: string;
  /** reload these services' offers (`"all"`: the sandbox restarted); resolves when done */
  reload: (codes: readonly string[] | "all") => Promise<void>;
  log: Logger;
  /** how long the sandbox holds a poll with nothing new */
  waitMs?: number;
}

interface VersionBody {
  instance: string;
  version: number;
  services: Record<string, number>;
}

const MAX_BACKOFF_MS = 30_000;
/** The watch's answers are a few hundred bytes; an upstream that is not a sandbox may answer anything. */
const WATCH_ANSWER_MAX_BYTES = 1024 * 1024;

function isVersionBody(body: unknown): body is VersionBody {
  const b = body as Partial<VersionBody> | null;
  return (
    typeof b === "object" &&
    b !== null &&
    typeof b.instance === "string" &&
    typeof b.version === "number" &&
    typeof b.services === "object" &&
    b.services !== null
  );
}

export class SandboxCatalogWatch {
  private readonly id = randomUUID();
  private readonly endpoint: URL;
  private readonly abort = new AbortController();
  private seen: { instance: string; version: number } | undefined;
  private running: Promise<void> = Promise.resolve();
  private markReady!: () => void;
  /** resolves once the first answer is applied (or the first attempt failed, or it is no sandbox) */
  readonly ready = new Promise<void>((resolve) => {
    this.markReady = resolve;
  });

  private get waitMs(): number {
    return this.opts.waitMs ?? 25_000;
  }

  constructor(private readonly opts: SandboxWatchOptions) {
    // `/api/v1` → `/sandbox/catalog/version` on the same origin (the control routes sit beside it)
    this.endpoint = new URL("/sandbox/catalog/version", opts.upstreamUrl);
  }

  start(): void {
    this.running = this.loop().catch((err) => {
      this.opts.log.warn({ err: String(err) }, "sandbox catalogue watch stopped");
    });
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    let backoffMs = 0;
    let sandbox = false;
    while (!this.abort.signal.aborted) {
      let answer: { status: number; body: unknown };
      try {
        answer = await this.request();
      } catch {
        if (this.abort.signal.aborted) return;
        this.markReady();
        backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(500, backoffMs * 2));
        await this.pause(backoffMs);
        continue;
      }
      if (answer.status !== 200 || !isVersionBody(answer.body)) {
        this.markReady();
        if (!sandbox) return; // not a sandbox: nothing to watch
        backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(500, backoffMs * 2));
        await this.pause(backoffMs);
        continue;
      }
      if (!sandbox)
        this.opts.log.info(
          { instance: answer.body.instance },
          "upstream is a sandbox: watching its catalogue",
        );
      sandbox = true;
      backoffMs = 0;
      await this.apply(answer.body);
      this.markReady(); // after the first apply: what changed before start-up is reloaded by then
    }
  }

  /** Reloads what changed since the version last applied, then remembers this one. */
  private async apply(body: VersionBody): Promise<void> {
    const { seen } = this;
    let changed: readonly string[] | "all";
    if (seen !== undefined && seen.instance !== body.instance)
      changed = "all"; // restarted: the fixture again
    else {
      const after = seen?.version ?? 0;
      changed = Object.entries(body.services)
        .filter(([, version]) => version > after)
        .map(([code]) => code);
    }
    if (changed === "all" || changed.length > 0) {
      this.opts.log.debug({ services: changed, version: body.version }, "sandbox catalogue changed");
      await this.opts
        .reload(changed)
        .catch((err) => this.opts.log.warn({ err: String(err) }, "sandbox catalogue reload failed"));
    }
    this.seen = { instance: body.instance, version: body.version };
  }

  private async request(): Promise<{ status: number; body: unknown }> {
    const url = new URL(this.endpoint);
    url.searchParams.set("watcher", this.id);
    if (this.seen) {
      url.searchParams.set("instance", this.seen.instance);
      url.searchParams.set("after", String(this.seen.version));
      url.searchParams.set("waitMs", String(this.waitMs));
    }
    // The sandbox answers a poll within waitMs; a connection that says nothing for longer is dead.
    const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.waitMs + 15_000)]);
    const res = await fetch(url, { signal, headers: { accept: "application/json" } });
    const body = parseJsonOrUndefined(await textAtMost(res, WATCH_ANSWER_MAX_BYTES));
    return { status: res.status, body };
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.abort.signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.abort.signal.addEventListener("abort", done, { once: true });
    });
  }
}
