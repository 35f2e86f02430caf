import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** What the fake answers to one request: a status and a JSON body (or raw text). */
export interface FakeAnswer {
  status: number;
  json?: unknown;
  text?: string;
}

/** `key` is the x-api-key sent, if any; `id` the `:id` of the route. */
export type Route = (req: { body: unknown; key?: string; id?: string }) => FakeAnswer;

export interface FakeUpstream {
  /** the native API base, …/api/v1 */
  url: string;
  /** "METHOD /path?query" of every request, in order */
  seen: string[];
  close(): Promise<void>;
}

/** The first route whose pattern (`:id` for one path segment) matches with or without the query. */
function find(routes: Record<string, Route>, line: string): { route: Route; id?: string } | undefined {
  for (const [pattern, route] of Object.entries(routes)) {
    const source = pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(":id", "([^/?]+)");
    const re = new RegExp(`^${source}$`);
    const m = re.exec(line) ?? re.exec(line.split("?")[0]!);
    if (m) return { route, ...(m[1] !== undefined && { id: m[1] }) };
  }
  return undefined;
}

/**
 * A native upstream on loopback that answers only the routes given (`"GET /email-activations?limit=5"`,
 * `"DELETE /email-activations/:id"`, without /api/v1), 404 with a NestJS body otherwise. A request
 * without x-api-key gets 401 unless `keyless` says otherwise.
 */
export async function startFakeUpstream(
  routes: Record<string, Route>,
  opts: { keyless?: boolean } = {},
): Promise<FakeUpstream> {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = (req.url ?? "").replace(/^\/api\/v1/, "");
      const line = `${req.method} ${path}`;
      seen.push(line);
      const text = Buffer.concat(chunks).toString("utf8");
      const key = req.headers["x-api-key"];
      const found = find(routes, line);
      const answer =
        typeof key !== "string" && !opts.keyless
          ? { status: 401, json: { statusCode: 401, message: "Unauthorized" } }
          : found
            ? found.route({
                body: text === "" ? undefined : JSON.parse(text),
                ...(typeof key === "string" && { key }),
                ...(found.id !== undefined && { id: found.id }),
              })
            : { status: 404, json: { statusCode: 404, message: "Not Found" } };
      res.writeHead(answer.status, { "content-type": "application/json" });
      res.end(answer.text ?? JSON.stringify(answer.json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/v1`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A native mailbox as the documentation shows it (docs/native-api.md §10). */
export function mailbox(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "cmox8h7pmicm3mkczzwhdz0yd",
    site: "telegram.com",
    domain: "gmx.com",
    emailAddress: "k.weber4821@gmx.com",
    status: "WAITING",
    otpValue: null,
    userCost: "0.04",
    currency: "USD",
    cancellableAt: null,
    expiresAt: "2026-06-03T14:05:00Z",
    receivedAt: null,
    createdAt: "2026-06-03T13:45:00Z",
    ...fields,
  };
}
