import type { Hono } from "hono";
import type { AccessMode, ConsoleEnv } from "./access.js";
import { loadAssets } from "./assets.js";
import { ConsoleData, type ConsoleDataOptions } from "./data.js";
import { LoginFailures } from "./login-failures.js";
import { consoleRoutes } from "./routes.js";
import type { SandboxLink } from "./sandbox-link.js";
import type { UpstreamTotals } from "./series.js";
import { ConsoleSessions } from "./sessions.js";
import { ConsoleStreams } from "./stream.js";
import { Ticker } from "./ticker.js";

/**
 * The operator console (README "Console"): a page at `/console` that watches the gateway's traffic
 * and activations live and, in front of a sandbox, drives it. Recording starts with `start()`, so
 * a gateway without a console pays nothing; with one, a request costs one push into a ring.
 */
export interface ConsoleOptions extends ConsoleDataOptions {
  access: AccessMode;
  /** the upstream's control routes, when it is a sandbox */
  sandbox?: SandboxLink | undefined;
  /** the upstream key of an owner seen recently (memory only): a sandbox top-up needs it */
  upstreamKeyOf: (owner: string) => string | undefined;
  /** every native call so far (the gateway's metrics), for the charts */
  upstreamTotals?: (() => Promise<UpstreamTotals>) | undefined;
  /** event streams open at once (CONSOLE_MAX_STREAMS) */
  maxStreams?: number | undefined;
  /** told once per burst of wrong tokens from an address (which is then refused for a while) */
  onLoginsBlocked?: ((address: string) => void) | undefined;
}

export class GatewayConsole {
  readonly data: ConsoleData;
  readonly routes: Hono<ConsoleEnv>;
  readonly streams: ConsoleStreams;
  /** who may open it: CONSOLE_TOKEN holders, or loopback clients */
  readonly access: AccessMode["kind"];
  private readonly ticker: Ticker;

  constructor(opts: ConsoleOptions) {
    this.access = opts.access.kind;
    this.data = new ConsoleData(opts);
    this.streams = new ConsoleStreams(opts.maxStreams);
    this.ticker = new Ticker(this.data.recorder, this.data.series, opts.upstreamTotals, opts.now);
    this.routes = consoleRoutes({
      mode: opts.access,
      sessions: new ConsoleSessions(),
      throttle: {
        failures: new LoginFailures(undefined, opts.now),
        onBlocked: opts.onLoginsBlocked ?? (() => undefined),
      },
      assets: loadAssets(),
      data: this.data,
      streams: this.streams,
      sandbox: opts.sandbox && {
        data: this.data,
        link: opts.sandbox,
        countries: opts.countries,
        upstreamKeyOf: opts.upstreamKeyOf,
      },
    });
  }

  start(): void {
    this.data.recorder.start();
    this.ticker.start();
  }

  /** Stops recording and ends the open streams (before the server's graceful close). */
  async close(): Promise<void> {
    this.ticker.stop();
    this.data.recorder.stop();
    await this.streams.closeAll();
  }
}
