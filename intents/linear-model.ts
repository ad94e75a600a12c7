/**
 * A small multinomial logistic-regression (softmax) model over sparse binary features.
 *
 * We ship this beside natural's classifiers because natural's Bayes prediction cost grows with the vocabulary and
 * its logistic regression trains too slowly for start-up training (see README "Why our own linear model").
 * Features are strings (words, character n-grams); each example's feature vector is L2-normalised so that long
 * messages do not dominate.
 */

import { readFileSync } from "node:fs";
import { cachedJson, cachePath, DEFAULT_CACHE_DIR, moduleText, writeCacheFile } from "../core/file-cache.js";

/** The training code is part of every cached model's key: a change to it must retrain. */
const MODULE_TEXT = moduleText("./linear-model.js", import.meta.url);

export interface Scored {
  label: string;
  probability: number;
}

export interface LinearModel {
  readonly labels: readonly string[];
  /** Probabilities for every label, best first. */
  predict(features: readonly string[]): Scored[];
  toJSON(): SerializedModel;
}

export interface SerializedModel {
  kind: "softmax-v1";
  labels: string[];
  vocab: string[];
  /** Row-major [vocab.length + 1][labels.length]; the last row is the bias. */
  weights: number[];
}

export interface TrainingExample {
  features: readonly string[];
  label: string;
}

export interface TrainOptions {
  epochs?: number;
  learningRate?: number;
  l2?: number;
  /** Deterministic shuffling so that a model trained twice on the same data is the same model. */
  seed?: number;
  /**
   * How each epoch orders the examples. "shuffled": a shuffle drawn from `seed`, so one example added anywhere
   * reorders all of them, and answers on borderline questions far from the change move with the new draw.
   * "stable": by a hash of each example itself (its label and features) salted by seed and epoch, so an added
   * example takes its own place and leaves the others' order as it was.
   */
  order?: "shuffled" | "stable";
  /**
   * Train this many times (seed, seed + 1, …) and average the weights: one run's answer on a borderline question
   * follows its ordering's luck, the average far less. Same size and speed of model, `seeds`× the training.
   */
  seeds?: number;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Turns scores into probabilities in place, shifted by the maximum so that exp cannot overflow. */
export function softmaxInPlace(values: Float64Array): void {
  let max = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < values.length; j++) max = Math.max(max, values[j] ?? 0);
  let sum = 0;
  for (let j = 0; j < values.length; j++) {
    const e = Math.exp((values[j] ?? 0) - max);
    values[j] = e;
    sum += e;
  }
  for (let j = 0; j < values.length; j++) values[j] = (values[j] ?? 0) / sum;
}

function build(labels: string[], vocab: string[], weights: Float32Array): LinearModel {
  const index = new Map<string, number>();
  for (const [i, f] of vocab.entries()) index.set(f, i);
  const k = labels.length;
  const biasRow = vocab.length * k;
  const probs = new Float64Array(k);
  const seen = new Int32Array(vocab.length);
  let generation = 0;

  /** Fills `probs`; returns how many distinct features the model knows. (Hot paths use SparseScorer.) */
  const score = (features: readonly string[]): number => {
    generation++;
    let known = 0;
    const distinct = features.length > 1 ? new Set(features).size : features.length;
    // Normalise over all distinct features, known or not: unknown words dilute confidence, as they should.
    const scale = 1 / Math.sqrt(distinct || 1);
    for (let j = 0; j < k; j++) probs[j] = weights[biasRow + j] ?? 0;
    for (const f of features) {
      const i = index.get(f);
      if (i === undefined || seen[i] === generation) continue;
      seen[i] = generation;
      known++;
      const row = i * k;
      for (let j = 0; j < k; j++) probs[j] = (probs[j] ?? 0) + (weights[row + j] ?? 0) * scale;
    }
    softmaxInPlace(probs);
    return known;
  };

  return {
    labels,
    predict(features) {
      score(features);
      const out: Scored[] = [];
      for (let j = 0; j < k; j++) out.push({ label: labels[j] ?? "", probability: probs[j] ?? 0 });
      return out.sort((a, b) => b.probability - a.probability);
    },
    toJSON: () => ({
      kind: "softmax-v1",
      labels: [...labels],
      vocab: [...vocab],
      weights: Array.from(weights),
    }),
  };
}

export function trainSoftmax(examples: readonly TrainingExample[], options: TrainOptions = {}): LinearModel {
  const { epochs = 30, learningRate = 0.5, l2 = 1e-5, seed = 42, order = "shuffled", seeds = 1 } = options;
  const labels = [...new Set(examples.map((e) => e.label))].sort();
  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  const vocabIndex = new Map<string, number>();
  const rows = examples.map((e) => {
    const ids = new Set<number>();
    for (const f of e.features) {
      let i = vocabIndex.get(f);
      if (i === undefined) {
        i = vocabIndex.size;
        vocabIndex.set(f, i);
      }
      ids.add(i);
    }
    const distinct = new Set(e.features).size || 1;
    return { ids: [...ids], scale: 1 / Math.sqrt(distinct), y: labelIndex.get(e.label) ?? 0 };
  });
  const k = labels.length;
  const v = vocabIndex.size;
  const keys = order === "stable" ? examples.map(exampleHash) : undefined;
  const settings = { k, v, epochs, learningRate, l2 };
  if (seeds <= 1)
    return byFrequency(labels, [...vocabIndex.keys()], runSgd(rows, keys, settings, seed), rows);
  const mean = new Float32Array((v + 1) * k);
  for (let s = 0; s < seeds; s++) {
    const w = runSgd(rows, keys, settings, seed + s);
    for (let i = 0; i < w.length; i++) mean[i] = (mean[i] ?? 0) + (w[i] ?? 0) / seeds;
  }
  return byFrequency(labels, [...vocabIndex.keys()], mean, rows);
}

interface Row {
  ids: number[];
  scale: number;
  y: number;
}

/** FNV-1a over the label and features: the same example hashes the same whatever else is in the set. */
function exampleHash(e: TrainingExample): number {
  let h = 0x811c9dc5;
  const key = `${e.label}\u0000${e.features.join("\u0001")}`;
  for (let c = 0; c < key.length; c++) h = Math.imul(h ^ key.charCodeAt(c), 0x01000193);
  return h >>> 0;
}

/** A 32-bit finaliser (murmur3's): salted hashes of neighbouring keys land far apart. */
function mix(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * One run of Adagrad SGD: the weights, bias row last. Each epoch visits the rows shuffled by `seed`, or, given
 * the examples' `keys`, ordered by those keys salted with seed and epoch.
 */
function runSgd(
  rows: readonly Row[],
  keys: readonly number[] | undefined,
  {
    k,
    v,
    epochs,
    learningRate,
    l2,
  }: { k: number; v: number; epochs: number; learningRate: number; l2: number },
  seed: number,
): Float32Array {
  const w = new Float32Array((v + 1) * k);
  // Adagrad keeps rare but decisive words (e.g. "仲裁") from being drowned by frequent ones.
  const g2 = new Float32Array((v + 1) * k).fill(1e-8);
  const biasRow = v * k;
  const rand = mulberry32(seed);
  const order = rows.map((_, i) => i);
  const logits = new Float64Array(k);
  const grads = new Float64Array(k);

  for (let epoch = 0; epoch < epochs; epoch++) {
    if (keys) {
      const salt = Math.imul(seed + 1, 0x9e3779b9) ^ Math.imul(epoch + 1, 0x27d4eb2f);
      const h = keys.map((key) => mix(key ^ salt));
      order.sort((a, b) => (h[a] ?? 0) - (h[b] ?? 0) || a - b);
    } else {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j] ?? 0, order[i] ?? 0];
      }
    }
    for (const r of order) {
      const row = rows[r];
      if (!row) continue;
      for (let j = 0; j < k; j++) logits[j] = w[biasRow + j] ?? 0;
      for (const f of row.ids)
        for (let j = 0; j < k; j++) logits[j] = (logits[j] ?? 0) + (w[f * k + j] ?? 0) * row.scale;
      let max = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < k; j++) max = Math.max(max, logits[j] ?? 0);
      let sum = 0;
      for (let j = 0; j < k; j++) {
        logits[j] = Math.exp((logits[j] ?? 0) - max);
        sum += logits[j] ?? 0;
      }
      // The gradient of every label first; then each weight row is updated in one pass over its k neighbours.
      for (let j = 0; j < k; j++) grads[j] = (logits[j] ?? 0) / sum - (j === row.y ? 1 : 0);
      adagrad(w, g2, biasRow, grads, 1, l2, learningRate);
      for (const f of row.ids) adagrad(w, g2, f * k, grads, row.scale, l2, learningRate);
    }
  }
  return w;
}

/** One Adagrad step on the k weights of a row starting at `start`, for input value x. */
function adagrad(
  w: Float32Array,
  g2: Float32Array,
  start: number,
  grads: Float64Array,
  x: number,
  l2: number,
  learningRate: number,
): void {
  for (let j = 0; j < grads.length; j++) {
    const idx = start + j;
    const gi = (grads[j] ?? 0) * x + l2 * (w[idx] ?? 0);
    g2[idx] = (g2[idx] ?? 0) + gi * gi;
    w[idx] = (w[idx] ?? 0) - (learningRate * gi) / Math.sqrt(g2[idx] ?? 1);
  }
}

/**
 * The trained model with its feature rows ordered by how many examples hold them, most first (ties in first-seen
 * order). The same weights, so the same predictions; but a message's features are mostly common ones, and with
 * their rows side by side at the start of the table they stay in cache, where first-seen order scattered them
 * over megabytes that jieba and the other stages evict between messages.
 */
function byFrequency(
  labels: string[],
  vocab: readonly string[],
  w: Float32Array,
  rows: readonly { ids: readonly number[] }[],
): LinearModel {
  const k = labels.length;
  const v = vocab.length;
  const count = new Int32Array(v);
  for (const row of rows) for (const f of row.ids) count[f] = (count[f] as number) + 1;
  const order = Array.from({ length: v }, (_, i) => i).sort(
    (a, b) => (count[b] as number) - (count[a] as number) || a - b,
  );
  const sorted = new Float32Array(w.length);
  order.forEach((from, to) => {
    sorted.set(w.subarray(from * k, from * k + k), to * k);
  });
  sorted.set(w.subarray(v * k), v * k);
  return build(
    labels,
    order.map((i) => vocab[i] as string),
    sorted,
  );
}

/** What scoring needs of a trained model: weights row-major [vocab.length + 1][labels.length], bias last. */
export interface ModelTables {
  labels: readonly string[];
  vocab: readonly string[];
  weights: ArrayLike<number>;
}

interface PackedModel {
  kind: "softmax-v1-f32-file";
  labels: string[];
  vocab: string[];
}

/**
 * A trained model from the disk cache, or trained and cached. The weights are kept beside the JSON (labels and
 * features) as their float32 bytes in a file of their own (the model trains in float32, so nothing is lost): a
 * few milliseconds to read, where a JSON array of half a million numbers takes about 60 and even base64 inside
 * the JSON took about 60 more for the larger models, which start-up cannot spare.
 */
export function cachedModel(
  name: string,
  inputs: readonly string[],
  train: () => LinearModel,
  dir: string = DEFAULT_CACHE_DIR,
): ModelTables {
  const key = [MODULE_TEXT, ...inputs];
  const weightsFile = cachePath(name, key, dir, "f32");
  let weights: Float32Array | undefined;
  const packed = cachedJson<PackedModel>(
    name,
    key,
    () => {
      const m = train().toJSON();
      weights = new Float32Array(m.weights);
      // Written before the JSON that points to it, so that a reader who finds the JSON finds these weights.
      writeCacheFile(weightsFile, weights);
      return { kind: "softmax-v1-f32-file", labels: m.labels, vocab: m.vocab };
    },
    dir,
    // A file of the wrong kind or shape (cut short, written by other code), or weights missing or of the wrong
    // size, is retrained, not fatal at start-up.
    (p) => {
      if (p?.kind !== "softmax-v1-f32-file" || !Array.isArray(p.labels) || !Array.isArray(p.vocab))
        return false;
      weights = readWeights(weightsFile, (p.vocab.length + 1) * p.labels.length);
      return weights !== undefined;
    },
  );
  if (!weights) throw new Error(`${name}: no weights`);
  return { labels: packed.labels, vocab: packed.vocab, weights };
}

/** `count` float32s from a cache file, in this machine's byte order (the cache belongs to one installation). */
function readWeights(file: string, count: number): Float32Array | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined;
  }
  if (bytes.byteLength !== count * 4) return undefined;
  // Copied out of the buffer (possibly pooled, possibly unaligned) into a float32 array of its own.
  const weights = new Float32Array(count);
  new Uint8Array(weights.buffer).set(bytes);
  return weights;
}
