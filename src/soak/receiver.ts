import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The soak's webhook receiver: records each delivery (`activationId:code`) once per `X-Webhook-Id`,
 * and can be down (503) for a while, as a real receiver is now and then.
 */
export class SoakReceiver {
  /** `activationId:code` of every delivery accepted */
  readonly delivered = new Set<string>();
  /** deliveries accepted again under an `X-Webhook-Id` already seen (at least once: allowed) */
  repeats = 0;
  down = false;
  private readonly ids = new Set<string>();
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => {
        body += chunk.toString("utf8");
      });
      req.on("end", () => {
        if (this.down) {
          res.writeHead(503).end();
          return;
        }
        const id = String(req.headers["x-webhook-id"] ?? "");
        if (this.ids.has(id)) this.repeats += 1;
        this.ids.add(id);
        try {
          const { activationId, code } = JSON.parse(body) as { activationId: number; code: string };
          this.delivered.add(`${activationId}:${code}`);
        } catch {
          // not JSON: recorded as nothing, still acknowledged
        }
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }
}
