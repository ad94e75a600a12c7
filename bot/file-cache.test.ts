import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../tests/helpers.js";
import { cachedJson } from "./file-cache.js";

describe("cachedJson", () => {
  it("computes once per set of inputs and recomputes when any input changes", () => {
    const { dir, cleanup } = tempDir();
    let calls = 0;
    const compute = () => ++calls;
    expect(cachedJson("x", ["a", "b"], compute, dir)).toBe(1);
    expect(cachedJson("x", ["a", "b"], compute, dir)).toBe(1);
    expect(cachedJson("x", ["a", "c"], compute, dir)).toBe(2);
    // "ab" + "" must not collide with "a" + "b".
    expect(cachedJson("x", ["ab", ""], compute, dir)).toBe(3);
    cleanup();
  });

  it("recomputes over a corrupt cache file", () => {
    const { dir, cleanup } = tempDir();
    cachedJson("y", ["k"], () => ({ ok: 1 }), dir);
    const [file] = readdirSync(dir);
    writeFileSync(join(dir, file ?? ""), "{trunc");
    expect(cachedJson("y", ["k"], () => ({ ok: 2 }), dir)).toEqual({ ok: 2 });
    cleanup();
  });
});
