import { Writable } from "node:stream";
import { createLogger, type Logger } from "../../src/logger.js";

/** The production logger (JSON) writing into memory: `lines` parsed, `text()` everything written. */
export function capturedLog(level = "info"): {
  log: Logger;
  lines: Record<string, unknown>[];
  text(): string;
} {
  const raw: string[] = [];
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString("utf8").split("\n"))
        if (line) {
          raw.push(line);
          lines.push(JSON.parse(line));
        }
      done();
    },
  });
  return { log: createLogger({ level, destination }), lines, text: () => raw.join("\n") };
}
