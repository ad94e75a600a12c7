import { readFileSync } from "node:fs";
import { cachedJson, cachePath, writeCacheFile } from "../core/file-cache.js";

/** What indexing the texts yields, before the words are given this process's vocabulary ids: what is cached. */
export interface IndexTables {
  maxIdf: number;
  /** Canonical keys, by term number. */
  terms: string[];
  docOf: Int32Array;
  termStop: Uint8Array;
  termIdf: Float64Array;
  pStart: Int32Array;
  postings: Int32Array;
  docNorm: Float64Array;
  docWeight: Float64Array;
  runStart: Int32Array;
  runs: Int32Array;
  /** Every word a query can bring; word i's term and its parts' terms wordParts[wordPartStart[i] .. [i + 1]). */
  words: string[];
  wordTerm: Int32Array;
  wordPartStart: Int32Array;
  wordParts: Int32Array;
}

/** The typed arrays of IndexTables in the order of the cache's binary file: 8-byte elements first, for alignment. */
const FLOAT64 = ["termIdf", "docNorm", "docWeight"] as const;
const INT32 = [
  "docOf",
  "pStart",
  "postings",
  "runStart",
  "runs",
  "wordTerm",
  "wordPartStart",
  "wordParts",
] as const;
const UINT8 = ["termStop"] as const;

type TableArrays = Pick<
  IndexTables,
  (typeof FLOAT64)[number] | (typeof INT32)[number] | (typeof UINT8)[number]
>;

interface CachedTables {
  maxIdf: number;
  terms: string[];
  words: string[];
  /** Element counts of the typed arrays, by name. */
  lengths: Record<string, number>;
}

/**
 * The index tables from the disk cache (strings in JSON, the arrays as raw bytes in a file beside it), or built
 * and cached: a warm start reads them in a few milliseconds instead of cutting every phrasing and answer anew.
 */
export function cachedTables(inputs: readonly string[], build: () => IndexTables, dir: string): IndexTables {
  const binFile = cachePath("retrieval-index", inputs, dir, "bin");
  let built: IndexTables | undefined;
  let arrays: TableArrays | undefined;
  const meta = cachedJson<CachedTables>(
    "retrieval-index",
    inputs,
    () => {
      built = build();
      const t = built;
      const parts = [...FLOAT64, ...INT32, ...UINT8].map((k) => t[k]);
      const bytes = Buffer.concat(parts.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
      writeCacheFile(binFile, bytes);
      return {
        maxIdf: t.maxIdf,
        terms: t.terms,
        words: t.words,
        lengths: Object.fromEntries(parts.map((a, i) => [[...FLOAT64, ...INT32, ...UINT8][i], a.length])),
      };
    },
    dir,
    (m) => {
      arrays =
        m && Array.isArray(m.terms) && Array.isArray(m.words) ? readArrays(binFile, m.lengths) : undefined;
      return arrays !== undefined;
    },
  );
  if (built) return built;
  if (!arrays) throw new Error("retrieval index: no tables");
  return { maxIdf: meta.maxIdf, terms: meta.terms, words: meta.words, ...arrays };
}

/** The arrays of the binary file, copied into one aligned buffer; undefined when missing or of another size. */
function readArrays(file: string, lengths: Record<string, number> | undefined): TableArrays | undefined {
  if (!lengths) return undefined;
  const layout = [
    ...FLOAT64.map((k) => [k, Float64Array] as const),
    ...INT32.map((k) => [k, Int32Array] as const),
    ...UINT8.map((k) => [k, Uint8Array] as const),
  ];
  let size = 0;
  for (const [k, kind] of layout) {
    const n = lengths[k];
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0) return undefined;
    size += n * kind.BYTES_PER_ELEMENT;
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined;
  }
  if (bytes.byteLength !== size) return undefined;
  const buffer = new ArrayBuffer(size);
  new Uint8Array(buffer).set(bytes);
  const out: Record<string, unknown> = {};
  let at = 0;
  for (const [k, kind] of layout) {
    const n = lengths[k] as number;
    out[k] = new kind(buffer, at, n);
    at += n * kind.BYTES_PER_ELEMENT;
  }
  return out as unknown as TableArrays;
}
