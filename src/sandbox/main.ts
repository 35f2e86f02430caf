import pino from "pino";
import { ConfigError } from "../settings.js";
import { loadSandboxSettings, type SandboxSettings } from "./config.js";
import { CONTROL_ROUTES } from "./routes/control.js";
import { startSandbox } from "./server.js";

async function main(): Promise<void> {
  let settings: SandboxSettings;
  try {
    settings = loadSandboxSettings(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`sandbox: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const { config, port, host } = settings;

  const logger = pino({ level: process.env.LOG_LEVEL ?? "info", base: { app: "sandbox" } });
  const sandbox = await startSandbox(config, { port, host, logger }).catch((err: NodeJS.ErrnoException) => {
    throw err.code === "EADDRINUSE" ? new Error(`SANDBOX_PORT ${port} is already in use`) : err;
  });

  // The banner carries keys, so it goes to stdout directly, never through the logger.
  const lines = [
    `SMSBulk sandbox listening: ${sandbox.apiBase}`,
    `  api keys (x-api-key or Authorization: Bearer):`,
    ...config.accounts.map((a) => `    ${a.apiKey}  balance ${a.balance} USD`),
    `  auto SMS: ${config.autoSms ? `on, after ${config.smsDelayMs} ms` : "off"}; window ${config.activationTtlS} s; cancel cool-down ${config.cancelCooldownS} s; resends ${config.resendLimit}; rate limit ${config.rateLimitPerS}/s per key`,
    `  control routes (no key) at ${sandbox.url}/sandbox:`,
    ...CONTROL_ROUTES.map((r) => `    ${r}`),
    config.faults.length > 0 ? `  fault rules active: ${config.faults.length}` : "",
  ].filter((l) => l !== "");
  process.stdout.write(`${lines.join("\n")}\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "sandbox stopping");
    const force = setTimeout(() => process.exit(1), 5000);
    force.unref();
    sandbox.close().then(() => process.exit(0));
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((err) => {
  process.stderr.write(`sandbox: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
