import type { RunningGateway } from "./start.js";

type BannerFacts = Pick<RunningGateway, "legacyUrl" | "upstreamUrl" | "sandbox" | "gatewayKeys" | "console">;

/**
 * The start-up banner: where the gateway answers, what it calls, and which keys bots can use. With
 * KEYS_FILE only gateway keys work, so the sandbox's demo key (an upstream key, refused as
 * `BAD_KEY`) is not shown. It goes to stdout, never through the logger: it may show a demo key.
 */
export function bannerLines(g: BannerFacts): string[] {
  const lines = [
    "SMS-Activate compatibility gateway",
    `  legacy endpoint: ${g.legacyUrl}`,
    `  upstream:        ${g.upstreamUrl}${g.sandbox ? " (embedded sandbox)" : ""}`,
  ];
  if (g.sandbox) lines.push(`  sandbox control: ${g.sandbox.url}/sandbox/`);
  if (g.console)
    lines.push(
      `  console:         ${g.console.url} (${g.console.access === "token" ? "log in with CONSOLE_TOKEN" : "from this machine only"})`,
    );
  if (g.gatewayKeys) {
    const { active } = g.gatewayKeys;
    lines.push(`  gateway keys in force: ${active} active (npm run -s keys -- list)`);
    if (active === 0) lines.push("  every api_key is refused until one is added (npm run -s keys -- add …)");
  } else if (g.sandbox) {
    for (const key of g.sandbox.demoKeys) lines.push(`  sandbox api key: ${key}`);
  }
  return lines;
}
