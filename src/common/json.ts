/** `text` parsed as JSON, or undefined when it is not JSON (an HTML error page, a bare token, …). */
export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
