import type { Context } from "hono";
import type { z } from "zod";
import { badRequest } from "./errors.js";

/** The request body as JSON; an empty body is `{}`; malformed JSON is a 400 like body-parser's. */
export async function readJsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(err instanceof Error ? err.message : "Malformed JSON body");
  }
}

/** Parses with zod; failures become a 400 whose `message` lists every problem, as NestJS's ValidationPipe does. */
export async function readValidBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  const parsed = schema.safeParse(await readJsonBody(c));
  if (!parsed.success) {
    throw badRequest(
      parsed.error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)),
    );
  }
  return parsed.data;
}
