import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../helpers/gateway.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";

/** `curl http://127.0.0.1:8080/` says what this is; `//stubs/handler_api.php` is the legacy endpoint. */
let sb: TestSandbox;
let gw: TestGateway;

beforeAll(async () => {
  sb = await startTestSandbox({ config: { autoSms: false } });
  gw = await startTestGateway({ upstreamUrl: sb.baseUrl });
});
afterAll(async () => {
  await gw.close();
  await sb.close();
});

describe("GET /", () => {
  it("a short plain-text page: what this is, the legacy endpoint, health, readiness, metrics, docs", async () => {
    const res = await gw.raw("/");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
    const text = res.body.toString("utf8");
    expect(text).toMatch(/^SMS-Activate compatibility gateway\n/);
    for (const path of ["/stubs/handler_api.php", "/healthz", "/readyz", "/metrics", "docs/"])
      expect(text).toContain(path);
    expect(text).not.toContain("/console"); // not enabled
    expect(text).not.toContain(sb.url); // nothing about the upstream
  });

  it("a browser gets the same as HTML with links", async () => {
    const res = await gw.raw("/", { headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" } });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/html/);
    expect(res.body.toString("utf8")).toContain('<a href="/readyz">/readyz</a>');
  });

  it("other unknown paths are still a JSON 404", async () => {
    const res = await gw.raw("/nope");
    expect(res.status).toBe(404);
    expect(JSON.parse(res.body.toString("utf8"))).toEqual({ error: "not found" });
  });
});

describe("repeated slashes in the legacy path", () => {
  const query = () => `?${new URLSearchParams({ api_key: sb.apiKey, action: "getBalance" })}`;
  const paths = [
    "//stubs/handler_api.php", // a base URL ending in "/" joined with "/stubs/handler_api.php"
    "///stubs/handler_api.php",
    "/stubs//handler_api.php",
    "//stubs///handler_api.php//",
    "//stubs/handler_api/",
    "//handler_api.php",
    "/handler_api.php//",
  ];
  it.each(paths)("%s is served like the single-slash path", async (path) => {
    const res = await gw.raw(`${path}${query()}`);
    expect(res.status).toBe(200);
    expect(res.body.toString("utf8")).toBe("ACCESS_BALANCE:100.00");
  });

  it("POST with a form body too", async () => {
    const res = await gw.raw("//stubs/handler_api.php", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ api_key: sb.apiKey, action: "getBalance" }).toString(),
    });
    expect(res.body.toString("utf8")).toBe("ACCESS_BALANCE:100.00");
  });

  it("other paths stay unknown (no loose matching beyond the slashes)", async () => {
    for (const path of ["//stubs/handler_api.phpx", "//stubs", "/stubs/handler/api.php"]) {
      expect((await gw.raw(`${path}${query()}`)).status, path).toBe(404);
    }
  });
});
