import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";

describe("robustness: bad input gets JSON 4xx and the server keeps serving", () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await startTestSandbox();
  });
  afterAll(() => sb.close());

  const stillServing = async () => expect((await sb.api("/wallet/balance")).status).toBe(200);

  it("unknown routes are 404 JSON, under /api/v1 and elsewhere", async () => {
    for (const [method, path] of [
      ["GET", "/api/v1/nope"],
      ["PUT", "/api/v1/activations"],
      ["GET", "/"],
      ["GET", "/api/v2/activations"],
      ["POST", "/sandbox/nope"],
    ]) {
      const res = await sb.raw(path!, { method });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body).toEqual({ statusCode: 404, message: `Cannot ${method} ${path}`, error: "Not Found" });
    }
    await stillServing();
  });

  it("malformed JSON and wrong body types are 400 JSON", async () => {
    const bodies = ["{", "not json", '{"serviceCode": tg}', "null", "42", '"tg"'];
    for (const body of bodies) {
      const res = await sb.api("/activations", {
        method: "POST",
        body,
        headers: { "content-type": "application/json" },
      });
      expect(res.status, body).toBe(400);
      expect(res.headers.get("content-type")).toMatch(/application\/json/);
      expect(res.body).toMatchObject({ statusCode: 400, error: "Bad Request" });
    }
    const control = await sb.raw("/sandbox/accounts", {
      method: "POST",
      body: "{oops",
      headers: { "content-type": "application/json" },
    });
    expect(control.status).toBe(400);
    await stillServing();
  });

  it("a 10 MB body is refused with 413 JSON and the server keeps serving", async () => {
    const big = `{"serviceCode":"tg","countryIso":"TR","pad":"${"x".repeat(10 * 1024 * 1024)}"}`;
    const res = await sb.api("/activations", {
      method: "POST",
      body: big,
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ statusCode: 413, error: "Payload Too Large" });
    expect((await sb.api("/activations")).body.data).toEqual([]);
    await stillServing();
  });

  it("a 10 MB chunked body (no Content-Length) is refused too", async () => {
    const chunk = new Uint8Array(1024 * 1024).fill(120);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(chunk);
        controller.close();
      },
    });
    const res = await fetch(`${sb.baseUrl}/activations`, {
      method: "POST",
      headers: { "x-api-key": sb.apiKey, "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ statusCode: 413 });
    await stillServing();
  });

  it("sends a Date header on every answer: success, errors, 404, 413, control routes", async () => {
    const answers = [
      await sb.api("/wallet/balance"),
      await sb.api("/wallet/balance", { key: null }),
      await sb.api("/activations/cnothere", {}),
      await sb.raw("/nowhere"),
      await sb.api("/activations", { method: "POST", body: "{" }),
      await sb.raw("/sandbox/stats"),
      await sb.raw("/sandbox/faults"),
    ];
    for (const res of answers) {
      const date = res.headers.get("date");
      expect(date, `${res.status} ${res.text.slice(0, 40)}`).toBeTruthy();
      // The sandbox clock (fake here) is what the Date header shows.
      expect(new Date(date!).toISOString()).toBe("2026-06-03T13:45:00.000Z");
    }
  });
});
