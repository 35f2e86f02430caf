import pino, { type Logger } from "pino";

export type { Logger } from "pino";

/**
 * Structured JSON logs (pino); `pretty` writes readable lines for a terminal. Keys are redacted by
 * path as a second line of defence: the code never puts them in a log object in the first place.
 */
export function createLogger(opts: {
  level: string;
  pretty?: boolean;
  destination?: pino.DestinationStream;
}): Logger {
  const options: pino.LoggerOptions = {
    level: opts.level,
    base: undefined,
    redact: {
      paths: [
        "apiKey",
        "api_key",
        "key",
        "*.apiKey",
        "*.api_key",
        "*.key",
        "headers.authorization",
        'headers["x-api-key"]',
      ],
      censor: "[redacted]",
    },
  };
  if (opts.destination) return pino(options, opts.destination);
  if (opts.pretty)
    // One line per event (a request is one line, as in JSON), its fields inline after the message.
    return pino({
      ...options,
      transport: {
        target: "pino-pretty",
        options: {
          colorize: Boolean(process.stdout.isTTY),
          singleLine: true,
          translateTime: "SYS:HH:MM:ss.l",
          ignore: "pid,hostname",
        },
      },
    });
  return pino(options);
}
