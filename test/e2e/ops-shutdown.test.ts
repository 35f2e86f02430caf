import { mkdtempSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Answer, httpCall, legacy } from "../helpers/ops.js";
import { type SpawnedGateway, spawnGateway } from "../helpers/process.js";
import { startTestSandbox, type TestSandbox } from "../helpers/sandbox.js";
import { waitFor } from "../helpers/wait.js";

/**
 * Graceful shutdown: SIGTERM during a slow upstream call: that request still gets its answer,
 * then the process exits 0; a request sent after SIGTERM is refused, it does not hang.
 */
const SLOW_ROUTE = "GET /api/v1/wallet/balance";
let sb: TestSandbox;
let gw: SpawnedGateway | undefined;

beforeAll(async () => {
  sb = await startTestSandbox({ clock: "real", config: { autoSms: false } });
});
afterAll(async () => {
  await sb.close();
});
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
  await sb.control.clearFaults();
});

async function slowGateway(): Promise<SpawnedGateway> {
  await sb.control.setFaults([{ route: SLOW_ROUTE, phase: "before", latencyMs: 1500 }]);
  await sb.control.resetStats();
  return spawnGateway({
    UPSTREAM_URL: sb.baseUrl,
    PORT: "0",
    HOST: "127.0.0.1",
    DATA_DIR: mkdtempSync(join(tmpdir(), "gw-ops-shutdown-")),
    LOG_LEVEL: "info",
  });
}

/** Resolves once the sandbox has received the gateway's balance call (it is now sleeping in it). */
const upstreamCallInFlight = () =>
  waitFor("the upstream balance call", async () =>
    ((await sb.control.stats()).requests[SLOW_ROUTE] ?? 0) > 0 ? true : undefined,
  );

/** What happens to a new connection: an answer, or the connection error's code. */
async function tryRequest(url: string): Promise<string> {
  try {
    const a = await httpCall(url);
    return `answered ${a.status} ${a.body}`;
  } catch (err) {
    return `error ${(err as NodeJS.ErrnoException).code}`;
  }
}

describe("graceful shutdown (compiled process, SIGTERM)", () => {
  it("an in-flight request on its own connection gets its answer, a new one is refused, exit code 0", async () => {
    gw = await slowGateway();
    const inFlight = legacy(gw.legacyUrl, { api_key: sb.apiKey, action: "getBalance" });
    await upstreamCallInFlight();

    gw.child.kill("SIGTERM");
    // The log line is written just before the listener is closed, in the same tick.
    await waitFor("the shutdown log line", async () =>
      /shutting down/.test(gw!.stdout()) ? true : undefined,
    );
    const late = await tryRequest(`${gw.url}/healthz`);

    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.body).toMatch(/^ACCESS_BALANCE:\d+\.\d{2}$/);
    expect(late).toMatch(/^error (ECONNREFUSED|ECONNRESET)$/);
    expect(await gw.exited).toEqual({ code: 0, signal: null });
    expect(gw.stderr()).toBe("");
  });

  it("a keep-alive client: the in-flight answer arrives, the connection is then closed, exit code 0", async () => {
    gw = await slowGateway();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let socketClosed = false;
    const inFlight = new Promise<Answer>((resolve, reject) => {
      const req = httpRequest(
        `${gw!.legacyUrl}?${new URLSearchParams({ api_key: sb.apiKey, action: "getBalance" })}`,
        { agent },
        (res) => {
          let body = "";
          res.on("data", (c: Buffer) => {
            body += c.toString();
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on("socket", (socket) => socket.once("close", () => (socketClosed = true)));
      req.on("error", reject);
      req.end();
    });
    await upstreamCallInFlight();
    gw.child.kill("SIGTERM");

    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.body).toMatch(/^ACCESS_BALANCE:\d+\.\d{2}$/);
    // The server tells the client not to reuse the connection, and does not wait for its idle
    // timeout to end: the process exits 0 on its own (no SIGKILL from afterEach).
    expect(answer.headers.connection).toBe("close");
    expect(await gw.exited).toEqual({ code: 0, signal: null });
    await waitFor("the client socket to close", async () => (socketClosed ? true : undefined));
    agent.destroy();
  });

  it("several requests in flight at SIGTERM all get their answers", async () => {
    gw = await slowGateway();
    const requests = Array.from({ length: 5 }, () =>
      legacy(gw!.legacyUrl, { api_key: sb.apiKey, action: "getBalance" }),
    );
    await waitFor("five upstream balance calls", async () =>
      ((await sb.control.stats()).requests[SLOW_ROUTE] ?? 0) >= 5 ? true : undefined,
    );
    gw.child.kill("SIGTERM");
    const answers = await Promise.all(requests);
    expect(answers.map((a) => `${a.status} ${a.body.replace(/:.*/, "")}`)).toEqual(
      Array(5).fill("200 ACCESS_BALANCE"),
    );
    expect(await gw.exited).toEqual({ code: 0, signal: null });
  });
});

describe("SIGTERM as soon as the banner is out", () => {
  // The banner used to be printed before the signal handlers were installed: a supervisor (or this
  // harness) that stopped the gateway the moment it announced itself could kill it with the
  // default action (exit by signal, nothing closed). Seen under the load of the full test suite.
  it("exits 0 every time (embedded sandbox and UPSTREAM_URL)", async () => {
    const upstreams: Record<string, string>[] = [
      {},
      { UPSTREAM_URL: sb.baseUrl },
      {},
      { UPSTREAM_URL: sb.baseUrl },
    ];
    for (const upstream of upstreams) {
      const p = await spawnGateway({
        ...upstream,
        PORT: "0",
        HOST: "127.0.0.1",
        SANDBOX_PORT: "0",
        SANDBOX_AUTO_SMS: "false",
        DATA_DIR: mkdtempSync(join(tmpdir(), "gw-ops-shutdown-banner-")),
        LOG_LEVEL: "info",
      });
      p.child.kill("SIGTERM");
      expect(await p.exited).toEqual({ code: 0, signal: null });
      expect(p.stdout()).toMatch(/"signal":"SIGTERM","msg":"shutting down"/);
    }
  });
});
