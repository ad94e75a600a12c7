import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { projectPath } from "./paths.js";

/** Derived data (trained models, lookup tables) is cached here; deleting the folder is always safe. */
export const DEFAULT_CACHE_DIR = projectPath("data", "cache");

/**
 * Returns `compute()`'s JSON result, cached on disk under a name that hashes every input it depends on, so a
 * changed training set, lexicon or library version can never be served a stale result. Start-up must stay
 * under 1.5 s; training and table building would each take hundreds of milliseconds of it.
 */
export function cachedJson<T>(
  name: string,
  inputs: readonly string[],
  compute: () => T,
  dir: string = DEFAULT_CACHE_DIR,
  /** A cached value failing this is treated like a missing one: computed again and overwritten. */
  valid: (value: T) => boolean = () => true,
): T {
  const file = cachePath(name, inputs, dir, "json");
  if (existsSync(file)) {
    try {
      const cached = JSON.parse(readFileSync(file, "utf8")) as T;
      if (valid(cached)) return cached;
    } catch {
      // Truncated or foreign: compute again and overwrite.
    }
  }
  const value = compute();
  writeCacheFile(file, JSON.stringify(value));
  return value;
}

/** Where a cached value of `name` for these inputs lives: the name and a hash of every input, and `extension`. */
export function cachePath(
  name: string,
  inputs: readonly string[],
  dir: string = DEFAULT_CACHE_DIR,
  extension = "json",
): string {
  const hash = createHash("sha256");
  for (const input of inputs) hash.update(input).update("\u0000");
  return join(dir, `${name}-${hash.digest("hex").slice(0, 16)}.${extension}`);
}

/** Writes a cache file whole or not at all; a failure (a read-only install) only costs the next start time. */
export function writeCacheFile(file: string, data: string | NodeJS.ArrayBufferView): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    // Write then rename: parallel processes never read a half-written file.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch {
    // A read-only install still works, only slower to start.
  }
}

/** The text of a file, for hashing into a cache key. */
export const fileText = (path: string): string => readFileSync(path, "utf8");

/**
 * The source of a module next to `base` (an import.meta.url), compiled (.js under dist/) or not (.ts under tsx
 * and vitest), for cache keys that must change when the code that produced the cached value changes.
 */
export function moduleText(relative: string, base: string): string {
  const path = fileURLToPath(new URL(relative, base));
  return existsSync(path) ? fileText(path) : fileText(path.replace(/\.js$/, ".ts"));
}

/**
 * YAML parsing for curated data files, loaded only when a cache misses: the library alone costs about 100 ms of
 * module loading at start-up, and a warm start never needs it.
 */
export function parseYaml(text: string): unknown {
  const yaml = createRequire(import.meta.url)("yaml") as { parse(text: string): unknown };
  return yaml.parse(text);
}
