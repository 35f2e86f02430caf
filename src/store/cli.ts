import { parseArgs } from "node:util";
import { reseedRedisStore } from "./redis.js";

/**
 * `npm run -s store -- reseed --above N` (REDIS_URL from the environment): after Redis lost its data
 * and no replica kept a high-water mark, the counter continues above N (the highest id clients may
 * hold). Exit 0 when re-seeded, 1 when the store still has its marker (nothing changed), 2 on misuse.
 */
const USAGE = "usage: REDIS_URL=redis://… npm run -s store -- reseed --above N";

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { above: { type: "string" } },
  });
  const above = Number(values.above);
  const url = process.env.REDIS_URL;
  if (positionals[0] !== "reseed" || !Number.isSafeInteger(above) || above < 1 || !url) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (await reseedRedisStore(url, above)) {
    process.stdout.write(`re-seeded: ids continue above ${above}\n`);
    return 0;
  }
  process.stderr.write("the store has its epoch marker: nothing changed\n");
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
