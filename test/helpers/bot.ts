import { pause } from "./wait.js";

/**
 * A bot's loop through the legacy protocol, as SMS-Activate bots run it: buy a number, poll
 * getStatus (and the balance) until a code comes, complete it, buy the next. Failures are answers
 * like any other: it pauses briefly and goes on. Runs until stopped.
 *
 *   const bot = startBot((p) => gw.call(p), { api_key: KEY, service: "tg", country: "62" });
 *   await expect.poll(() => bot.current?.id).toBeDefined();
 *   await bot.stop();
 */
export interface BotOptions {
  api_key: string;
  service: string;
  country: string;
  /** pause between polls (ms) */
  pollMs?: number;
}

export interface Bot {
  /** every answer received, in order */
  answers: string[];
  /** the activation being polled */
  current: { id: string; phone: string } | undefined;
  /** codes received (`STATUS_OK:<code>`), by activation id */
  codes: Map<string, string>;
  stop(): Promise<void>;
}

export function startBot(call: (params: Record<string, string>) => Promise<string>, opts: BotOptions): Bot {
  const pollMs = opts.pollMs ?? 250;
  let running = true;
  const bot: Bot = { answers: [], current: undefined, codes: new Map(), stop: async () => undefined };
  const ask = async (params: Record<string, string>) => {
    const answer = await call({ api_key: opts.api_key, ...params }).catch((err) => `FETCH_FAILED ${err}`);
    bot.answers.push(answer);
    return answer;
  };
  const loop = async () => {
    while (running) {
      const bought = await ask({ action: "getNumber", service: opts.service, country: opts.country });
      const m = /^ACCESS_NUMBER:(\d+):(\d+)$/.exec(bought);
      if (!m) {
        await pause(pollMs);
        continue;
      }
      bot.current = { id: m[1]!, phone: m[2]! };
      while (running) {
        await pause(pollMs);
        const status = await ask({ action: "getStatus", id: m[1]! });
        await ask({ action: "getBalance" });
        if (status.startsWith("STATUS_OK:")) {
          bot.codes.set(m[1]!, status.slice("STATUS_OK:".length));
          await ask({ action: "setStatus", id: m[1]!, status: "6" });
          break;
        }
        if (status === "STATUS_CANCEL") break;
      }
    }
  };
  const done = loop();
  bot.stop = async () => {
    running = false;
    await done;
  };
  return bot;
}
