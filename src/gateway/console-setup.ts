import type { Logger } from "pino";
import type { SpendLimits } from "../common/spend-limits.js";
import type { GatewayConfig } from "../config.js";
import type { AccessMode } from "../console/access.js";
import { GatewayConsole } from "../console/console.js";
import { SandboxLink } from "../console/sandbox-link.js";
import type { GatewayEvents } from "../events.js";
import type { GatewayDeps } from "../legacy/context.js";
import type { Metrics } from "../metrics.js";

/**
 * Who may open the console (README "Console"): with CONSOLE_TOKEN whoever logs in with it; without
 * it, loopback clients, and only in front of the embedded sandbox; with a real upstream and no
 * token, nobody (the console is off and records nothing). `CONSOLE=off` turns it off always.
 */
function consoleAccess(config: GatewayConfig, embeddedSandbox: boolean): AccessMode | undefined {
  if (config.CONSOLE === "off") return undefined;
  if (config.CONSOLE_TOKEN) return { kind: "token", token: config.CONSOLE_TOKEN };
  return embeddedSandbox ? { kind: "loopback" } : undefined;
}

/**
 * The console, recording from now on, or undefined when it is off. Its sandbox controls are there
 * when the upstream is the embedded sandbox, or an UPSTREAM_URL whose `GET /sandbox` answers as
 * one (asked once, here).
 */
export async function setUpConsole(
  config: GatewayConfig,
  wiring: {
    upstreamUrl: string;
    embeddedSandbox: boolean;
    events: GatewayEvents;
    deps: GatewayDeps;
    metrics: Metrics;
    log: Logger;
    /** the activations panel's webhook column: the last delivery outcome of an activation */
    webhookState?: (owner: string, numericId: number) => string | undefined;
    /** the keys panel's limits column */
    limitsOf?: ((owner: string) => SpendLimits | undefined) | undefined;
  },
): Promise<GatewayConsole | undefined> {
  const access = consoleAccess(config, wiring.embeddedSandbox);
  if (!access) return undefined;
  const { deps } = wiring;
  const sandbox = wiring.embeddedSandbox
    ? new SandboxLink(wiring.upstreamUrl)
    : await SandboxLink.detect(wiring.upstreamUrl);
  const gatewayConsole = new GatewayConsole({
    events: wiring.events,
    access,
    countries: deps.countries,
    serviceNames: async () => new Map((await deps.services.list()).map((s) => [s.code, s.name])),
    upstreamKeyOf: (owner) => deps.keyRing.keyOf(owner),
    sandbox,
    upstreamTotals: () => wiring.metrics.upstreamTotals(),
    webhookState: wiring.webhookState,
    limitsOf: wiring.limitsOf,
    maxStreams: config.CONSOLE_MAX_STREAMS,
    onLoginsBlocked: (address) =>
      wiring.log.warn({ address }, "console: too many wrong tokens from this address, refused for a minute"),
  });
  gatewayConsole.start();
  wiring.log.info(
    { access: access.kind, sandboxControls: sandbox !== undefined },
    "console at /console (recording requests)",
  );
  return gatewayConsole;
}
