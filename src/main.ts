import { type GatewayConfig, loadConfig } from "./config.js";
import { bannerLines } from "./gateway/banner.js";
import { type RunningGateway, startGateway } from "./gateway/start.js";
import { createLogger } from "./logger.js";
import { loadSandboxSettings, type SandboxSettings } from "./sandbox/config.js";
import { ConfigError } from "./settings.js";

/** `npm start`: the gateway, with the embedded sandbox unless UPSTREAM_URL is set. */
async function main(): Promise<void> {
  let config: GatewayConfig;
  let sandbox: SandboxSettings | undefined;
  try {
    config = loadConfig(process.env);
    if (!config.UPSTREAM_URL) sandbox = loadSandboxSettings(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const log = createLogger({ level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });

  // The handlers are in place before anything announces the gateway (the banner): a supervisor
  // that sends SIGTERM as soon as it sees the banner must get a graceful shutdown, not the default
  // action (killed by the signal). A signal during start-up stops the gateway once it is up.
  let gateway: RunningGateway | undefined;
  let stopping = false;
  const shutDown = (running: RunningGateway) =>
    running.close().then(
      () => process.exit(0),
      (err) => {
        log.error({ err: String(err) }, "shutdown failed");
        process.exit(1);
      },
    );
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    if (gateway) void shutDown(gateway);
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));

  gateway = await startGateway(config, { log, ...(sandbox && { sandbox }) });
  if (stopping) {
    await shutDown(gateway);
    return;
  }

  // The banner goes to stdout, not the logger: it may show the sandbox demo key (never logged).
  process.stdout.write(`${bannerLines(gateway).join("\n")}\n`);
}

main().catch((err) => {
  const message =
    err instanceof ConfigError
      ? err.message
      : `start-up failed: ${err instanceof Error ? err.message : String(err)}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
