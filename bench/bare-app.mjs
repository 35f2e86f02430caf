// The baseline: a bare @hono/node-server app that answers every request with a fixed string.
// PORT (default 0 = any) and HOST (default 127.0.0.1) from the environment; prints its URL.
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const app = new Hono();
app.all("*", (c) => c.text("STATUS_WAIT_CODE"));

const server = serve(
  { fetch: app.fetch, port: Number(process.env.PORT ?? 0), hostname: process.env.HOST ?? "127.0.0.1" },
  (info) => {
    process.stdout.write(`bare app listening: http://${info.address}:${info.port}\n`);
  },
);
const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
