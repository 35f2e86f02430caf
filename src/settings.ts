import { z } from "zod";

/**
 * Building blocks for settings tables read from the environment (the gateway's in `config.ts`, the
 * sandbox's in `sandbox/config.ts`): each setting is a zod schema over the raw string with a
 * `.describe()` of the expected form, and a bad value is one line naming the variable.
 */

/** The boolean spellings every setting accepts. */
export const bool = z
  .enum(["1", "0", "true", "false", "TRUE", "FALSE", "True", "False", "yes", "no"])
  .transform((v) => ["1", "true", "yes"].includes(v.toLowerCase()));

/** Decimal digits only: `" "`, `0x1F90` or `1e3` are refused, not coerced. */
export const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,15}$/)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

export const httpUrl = z.url({ protocol: /^https?$/ });

export type SettingsTable = Record<string, z.ZodType>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Parses the variables of `table` present in `env` (unset and "" mean "use the default"; blanks are
 * refused, like any other value that does not parse); a bad
 * value throws a ConfigError: `Invalid NAME: expected <description>` (never the value: it may be a secret).
 */
export function parseSettings<T extends SettingsTable>(
  table: T,
  env: Record<string, string | undefined>,
): z.infer<z.ZodObject<T>> {
  const present = Object.fromEntries(
    Object.keys(table).flatMap((name) =>
      env[name] === undefined || env[name] === "" ? [] : [[name, env[name]]],
    ),
  );
  const parsed = z.object(table).safeParse(present);
  if (parsed.success) return parsed.data as z.infer<z.ZodObject<T>>;
  const issue = parsed.error.issues[0];
  const name = String(issue?.path[0] ?? "?");
  const expected = table[name]?.description ?? "a valid value";
  throw new ConfigError(`Invalid ${name}: expected ${expected}`);
}
