import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { parseAccessNumber, type TestGateway, usePair, withGatewayAndSandbox } from "../helpers/gateway.js";
import { DEMO_API_KEY } from "../helpers/sandbox.js";

/** legacy-protocol.md §1, rule by rule, over real HTTP. */
const key = DEMO_API_KEY;
const pair = usePair(() =>
  withGatewayAndSandbox({
    sandbox: { config: { autoSms: false, cancelCooldownS: 0 } },
    gateway: { env: { STATUS_CACHE_MS: "0" } },
  }),
);

const H = "/stubs/handler_api.php";
const text = async (path: string, o?: Parameters<TestGateway["raw"]>[1]) =>
  (await pair.gw.raw(path, o)).body.toString();

describe("paths and methods", () => {
  it.each([
    "/stubs/handler_api.php",
    "/stubs/handler_api.php/",
    "/stubs/handler_api",
    "/stubs/handler_api/",
    "/handler_api.php",
    "/handler_api.php/",
  ])("%s answers", async (path) => {
    expect(await pair.gw.call({ api_key: key, action: "getBalance" }, path)).toMatch(/^ACCESS_BALANCE:/);
  });

  it.each(["PUT", "DELETE", "PATCH"])("answers %s like a GET", async (method) => {
    expect(await text(`${H}?api_key=${key}&action=getBalance`, { method })).toMatch(/^ACCESS_BALANCE:/);
  });

  it("reads a form body on POST, and the body wins over the query", async () => {
    expect(await pair.gw.post({ api_key: key, action: "getBalance" })).toMatch(/^ACCESS_BALANCE:/);
    expect(await pair.gw.post({ api_key: key }, { api_key: "wrong", action: "getBalance" })).toMatch(
      /^ACCESS_BALANCE:/,
    );
  });

  it("reads the query of a POST with an empty body", async () => {
    expect(await pair.gw.post("", { api_key: key, action: "getBalance" })).toMatch(/^ACCESS_BALANCE:/);
  });

  it("reads a multipart form body, first duplicate winning", async () => {
    const boundary = "XyZ";
    const part = (name: string, value: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const body = `${part("api_key", key)}${part("action", "getBalance")}${part("action", "nope")}--${boundary}--\r\n`;
    const answer = await text(H, {
      method: "POST",
      headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
      body,
    });
    expect(answer).toMatch(/^ACCESS_BALANCE:/);
  });
});

describe("parameters", () => {
  it("takes the first of repeated keys", async () => {
    expect(await text(`${H}?api_key=${key}&action=getBalance&action=getNothing`)).toMatch(/^ACCESS_BALANCE:/);
  });

  it("trims names and treats undefined/null/empty as absent", async () => {
    const bought = parseAccessNumber(
      await text(
        `${H}?api_key=${key}&action=getNumber&service%20=tg&country%20=undefined&country=62&operator=null&ref=`,
      ),
    );
    expect(bought.phone.startsWith("90")).toBe(true);
  });

  it("ignores parameters it cannot honour", async () => {
    const q = `forward=0&forwards=0&%24freePrice=1&phoneException=7999&ref=pythonsmsactivate&verification=true&activationType=0&language=en&userId=5&useCashBack=1`;
    expect(await text(`${H}?api_key=${key}&action=getNumber&service=tg&country=62&${q}`)).toMatch(
      /^ACCESS_NUMBER:/,
    );
  });

  it("quirks in a whole session: POST form, trailing-space names, undefined values, status=-1", async () => {
    const bought = parseAccessNumber(
      await pair.gw.post({
        "api_key ": key,
        "action ": "getNumber",
        service: "tg",
        "country ": "62",
        operator: "undefined",
      }),
    );
    expect(
      await pair.gw.post({ api_key: key, action: "getStatus", id: bought.id, maxPrice: "undefined" }),
    ).toBe("STATUS_WAIT_CODE");
    expect(await pair.gw.post({ api_key: key, action: "setStatus", id: bought.id, "status ": "-1" })).toBe(
      "ACCESS_CANCEL",
    );
    expect(await pair.gw.post({ api_key: key, action: "getStatus", id: bought.id })).toBe("STATUS_CANCEL");
  });
});

describe("order of checks", () => {
  it.each([
    [`?api_key=${"k".repeat(32)}`, "NO_ACTION"],
    ["?action=getSomething", "BAD_ACTION"],
    ["?action=getbalance&api_key=x", "BAD_ACTION"],
    ["?action=getBalance", "NO_KEY"],
    ["?action=getBalance&api_key=", "NO_KEY"],
    ["?action=getBalance&api_key=undefined", "NO_KEY"],
    ["?action=getBalance&api_key=wrong-key-0000000000000000000000", "BAD_KEY"],
    ["", "NO_ACTION"],
  ])("%s → %s", async (query, token) => {
    expect(await text(`${H}${query}`)).toBe(token);
  });

  it("a wrong key on activation actions is BAD_KEY", async () => {
    const bad = "wrong-key-0000000000000000000000";
    expect(await pair.gw.call({ api_key: bad, action: "getNumber", service: "tg", country: "62" })).toBe(
      "BAD_KEY",
    );
    expect(await pair.gw.call({ api_key: bad, action: "getActiveActivations" })).toBe("BAD_KEY");
  });
});

describe("answers", () => {
  it("are HTTP 200, text/plain with nosniff, no trailing newline, for tokens, errors and JSON", async () => {
    for (const query of [
      `?api_key=${key}&action=getBalance`,
      "?action=getBalance",
      `?api_key=${key}&action=getNumberV2&service=tg&country=62`,
      `?api_key=${key}&action=getStatus&id=99999`,
    ]) {
      const res = await pair.gw.raw(`${H}${query}`);
      expect(res.status).toBe(200);
      expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      const body = res.body.toString();
      expect(body).toBe(body.trim());
      expect(body.charCodeAt(0)).not.toBe(0xfeff);
    }
  });

  it("are gzipped however short when the client accepts gzip", async () => {
    const res = await pair.gw.raw(`${H}?action=getBalance`, { headers: { "accept-encoding": "gzip, json" } });
    expect(res.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(res.body).toString()).toBe("NO_KEY");
  });

  it("are not compressed otherwise", async () => {
    const res = await pair.gw.raw(`${H}?action=getBalance`, {
      headers: { "accept-encoding": "deflate, br" },
    });
    expect(res.headers["content-encoding"]).toBeUndefined();
    expect(res.body.toString()).toBe("NO_KEY");
  });

  it("answer NO_ACTIVATION for ids a client cannot hold", async () => {
    for (const id of ["abc", "0", "-5", "2147483648", "99999999999", "1.5", "0x10"]) {
      expect(await pair.gw.call({ api_key: key, action: "getStatus", id })).toBe("NO_ACTIVATION");
    }
  });

  it("answer an oversized body with 413 and keep serving", async () => {
    const res = await pair.gw.raw(H, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `api_key=${key}&action=getBalance&pad=${"x".repeat(200_000)}`,
    });
    expect(res.status).toBe(413);
    expect(await pair.gw.call({ api_key: key, action: "getBalance" })).toMatch(/^ACCESS_BALANCE:/);
  });
});

describe("other routes", () => {
  it("serve health and readiness as JSON", async () => {
    const health = await pair.gw.raw("/healthz");
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body.toString())).toEqual({ status: "ok" });
    const ready = await pair.gw.raw("/readyz");
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body.toString()).status).toBe("ready");
  });

  it("answer unknown paths with a JSON 404", async () => {
    const res = await pair.gw.raw("/nope");
    expect(res.status).toBe(404);
  });
});
