import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cachedModel, trainSoftmax } from "../intents/linear-model.js";
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

  it("retrains a cached model that parses but has the wrong shape or lost its weights, and round-trips them exactly", () => {
    const { dir, cleanup } = tempDir();
    const train = () =>
      trainSoftmax(
        [
          { features: ["w:仲裁", "b:仲裁"], label: "labour" },
          { features: ["w:征地", "b:征地"], label: "land" },
        ],
        { epochs: 3 },
      );
    const fresh = cachedModel("m", ["v1"], train, dir);
    expect(Array.from(fresh.weights)).toEqual(Array.from(new Float32Array(train().toJSON().weights)));
    expect(Array.from(cachedModel("m", ["v1"], train, dir).weights)).toEqual(Array.from(fresh.weights));
    const file = (ext: string) => join(dir, readdirSync(dir).find((f) => f.endsWith(ext)) ?? "");
    writeFileSync(file(".json"), JSON.stringify({ kind: "softmax-v1-f32-file", labels: ["a"], vocab: [] }));
    const again = cachedModel("m", ["v1"], train, dir);
    expect(again.labels).toEqual(["labour", "land"]);
    expect(Array.from(again.weights)).toEqual(Array.from(fresh.weights));
    // Weights cut short: retrained too.
    writeFileSync(file(".f32"), Buffer.alloc(8));
    expect(Array.from(cachedModel("m", ["v1"], train, dir).weights)).toEqual(Array.from(fresh.weights));
    cleanup();
  });
});
