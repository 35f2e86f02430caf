import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { clockFloor, HIGH_WATER_BLOCK, HighWaterMark } from "../../../src/store/high-water.js";

describe("HighWaterMark", () => {
  const dirs: string[] = [];
  const file = () => {
    const dir = mkdtempSync(join(tmpdir(), "hw-"));
    dirs.push(dir);
    return join(dir, "mark");
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("starts at 0 without a file", () => {
    const mark = new HighWaterMark(file());
    expect(mark.persisted).toBe(0);
    expect(mark.highest).toBe(0);
  });

  it("keeps the file a block ahead of every id noted, rewriting it once per block", () => {
    const path = file();
    const mark = new HighWaterMark(path);
    mark.note(1);
    expect(readFileSync(path, "utf8").trim()).toBe(String(1 + HIGH_WATER_BLOCK));
    for (let id = 2; id <= HIGH_WATER_BLOCK; id++) mark.note(id);
    expect(readFileSync(path, "utf8").trim()).toBe(String(1 + HIGH_WATER_BLOCK));
    mark.note(HIGH_WATER_BLOCK + 2);
    expect(mark.persisted).toBe(2 * HIGH_WATER_BLOCK + 2);
    expect(mark.highest).toBe(HIGH_WATER_BLOCK + 2);
  });

  it("reads the mark a previous process wrote, never below an id it noted", () => {
    const path = file();
    new HighWaterMark(path).note(42);
    const again = new HighWaterMark(path);
    expect(again.persisted).toBeGreaterThanOrEqual(42);
    expect(again.highest).toBe(0);
  });
});

describe("clockFloor", () => {
  const at = (iso: string) => Date.parse(iso);
  const MAX = 2_147_483_647;

  it("is 0 up to 2026-01-01 and grows by two ids a second after it", () => {
    expect(clockFloor(at("2025-06-01T00:00:00Z"), MAX)).toBe(0);
    expect(clockFloor(at("2026-01-01T00:00:00Z"), MAX)).toBe(0);
    expect(clockFloor(at("2026-01-01T00:01:00Z"), MAX)).toBe(120);
    expect(clockFloor(at("2026-01-02T00:00:00Z"), MAX)).toBe(2 * 86_400);
  });

  it("stays below half the id space, so a store started late still has room", () => {
    expect(clockFloor(at("2100-01-01T00:00:00Z"), MAX)).toBe(Math.floor(MAX / 2));
    expect(clockFloor(at("2040-01-01T00:00:00Z"), MAX)).toBeLessThan(MAX / 2);
  });
});
