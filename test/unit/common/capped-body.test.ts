import { describe, expect, it } from "vitest";
import { BodyTooLargeError, textAtMost } from "../../../src/common/capped-body.js";

/** A Response whose body is `chunks` chunks of `size` bytes, made as they are pulled; counts them. */
function streamed(chunks: number, size: number, headers: Record<string, string> = {}) {
  const pulled = { chunks: 0 };
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled.chunks === chunks) return controller.close();
      pulled.chunks += 1;
      controller.enqueue(new Uint8Array(size).fill(0x61));
    },
  });
  return { res: new Response(body, { headers }), pulled };
}

describe("textAtMost", () => {
  it("reads a body up to the cap", async () => {
    const { res } = streamed(4, 1000);
    expect(await textAtMost(res, 4000)).toBe("a".repeat(4000));
  });

  it("stops pulling once the body passes the cap", async () => {
    const { res, pulled } = streamed(100_000, 64 * 1024);
    await expect(textAtMost(res, 1024 * 1024)).rejects.toBeInstanceOf(BodyTooLargeError);
    expect(pulled.chunks).toBeLessThan(20);
  });

  it("refuses an announced larger body before reading it", async () => {
    const { res, pulled } = streamed(10, 10, { "content-length": "5000000" });
    await expect(textAtMost(res, 1000)).rejects.toThrow("answer larger than 1000 bytes");
    expect(pulled.chunks).toBeLessThanOrEqual(1);
  });
});
