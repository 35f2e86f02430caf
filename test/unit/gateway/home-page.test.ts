import { describe, expect, it } from "vitest";
import { homePageHtml, homePageText } from "../../../src/gateway/home-page.js";

describe("the home page (GET /)", () => {
  it("names the legacy endpoint, health, readiness, metrics and the docs; no console by default", () => {
    const text = homePageText({ metrics: true, consoleEnabled: false });
    expect(text).toMatch(/^SMS-Activate compatibility gateway\n/);
    for (const path of [
      "/stubs/handler_api.php",
      "/healthz",
      "/readyz",
      "/metrics",
      "docs/legacy-protocol.md",
    ])
      expect(text).toContain(path);
    expect(text).not.toContain("/console");
    expect(homePageHtml({ metrics: true, consoleEnabled: false })).not.toContain("/console");
  });

  it("mentions the console only when it is enabled, and /metrics only when served", () => {
    expect(homePageText({ metrics: true, consoleEnabled: true })).toMatch(/^ {2}console: +\/console$/m);
    expect(homePageHtml({ metrics: true, consoleEnabled: true })).toContain(
      '<a href="/console">/console</a>',
    );
    expect(homePageText({ metrics: false, consoleEnabled: false })).not.toContain("/metrics");
  });

  it("HTML: the paths are links and text is escaped", () => {
    const html = homePageHtml({ metrics: true, consoleEnabled: false });
    expect(html).toContain('<a href="/healthz">/healthz</a>');
    expect(html).toContain("api_key=KEY&amp;action=getBalance");
  });
});
