import { type ModelTables, softmaxInPlace } from "./linear-model.js";
import { idIn, type Tokens, Vocabulary } from "./vocabulary.js";

/** How a model's feature string is fed at scoring time: an integer key (a character n-gram) or a whole word. */
export type FeatureForm = { key: number } | { word: string };

const hashSlot = (key: number, mask: number): number => (Math.imul(key, 0x9e3779b1) >>> 7) & mask;

/**
 * A trained softmax model evaluated on every message without building feature strings: callers feed character
 * n-grams as integer keys and words as the segmenter's tokens (their vocabulary ids), and nothing is allocated per
 * feature.
 * It gives the same probabilities as LinearModel.predict on the equivalent feature strings (L2 scaling over
 * distinct features, known or not), which builds a Set, an array and one string per feature.
 *
 * Use: `begin()`, then `key()`/`token()` per feature (duplicates are fine), then `finish(out)`.
 */
export class SparseScorer {
  readonly labels: readonly string[];
  private readonly k: number;
  /** float32, as trained: half the memory of a float64 copy, and these rows are read at random for every message. */
  private readonly weights: Float32Array;
  private readonly bias: number;
  /**
   * Open addressing over the n-gram keys, key and row side by side (slot h: [2h] key, [2h + 1] row, -1 empty) so
   * that a probe reads one cache line; sized for the keys alone, at most half full.
   */
  private readonly slots: Int32Array;
  private readonly mask: number;
  /** The vocabulary the word features were added to, and each word id's row (-1: not a feature). */
  private readonly vocabulary: Vocabulary;
  private readonly rowOfWord: Int32Array;
  private readonly sums: Float64Array;
  /** Per vocabulary entry, the message it was last counted in. */
  private readonly rowStamp: Uint32Array;
  private unknownKeys = new Int32Array(256);
  private unknownStamp = new Uint32Array(256);
  private readonly unknownWords: string[] = [];
  private generation = 0;
  private distinct = 0;
  private known = 0;

  constructor(
    model: ModelTables,
    formOf: (feature: string) => FeatureForm,
    vocabulary: Vocabulary = new Vocabulary(),
  ) {
    this.labels = model.labels;
    this.k = model.labels.length;
    this.weights = model.weights instanceof Float32Array ? model.weights : new Float32Array(model.weights);
    this.bias = model.vocab.length * this.k;
    this.sums = new Float64Array(this.k);
    this.rowStamp = new Uint32Array(model.vocab.length);
    this.vocabulary = vocabulary;
    // Flat arrays rather than a pair per feature: tens of thousands of features per model, built at every start
    // while the code is still cold.
    const n = model.vocab.length;
    const wordIds = new Int32Array(n);
    const keys = new Int32Array(n);
    const isWord = new Uint8Array(n);
    let keyCount = 0;
    for (let i = 0; i < n; i++) {
      const form = formOf(model.vocab[i] as string);
      if ("word" in form) {
        isWord[i] = 1;
        wordIds[i] = vocabulary.add(form.word);
      } else {
        keys[i] = form.key | 0;
        keyCount++;
      }
    }
    let size = 16;
    while (size < keyCount * 2) size *= 2;
    this.mask = size - 1;
    this.slots = new Int32Array(size * 2);
    for (let h = 0; h < size; h++) this.slots[2 * h + 1] = -1;
    this.rowOfWord = new Int32Array(vocabulary.size).fill(-1);
    for (let row = 0; row < n; row++) {
      if (isWord[row] === 1) {
        this.rowOfWord[wordIds[row] as number] = row;
        continue;
      }
      const key = keys[row] as number;
      let h = hashSlot(key, this.mask);
      while (this.slots[2 * h + 1] !== -1 && this.slots[2 * h] !== key) h = (h + 1) & this.mask;
      this.slots[2 * h] = key;
      this.slots[2 * h + 1] = row;
    }
  }

  /** Starts a message; `maxKeys` bounds how many distinct unknown keys it may feed. */
  begin(maxKeys = 0): void {
    if (this.unknownKeys.length < maxKeys * 2) {
      let size = this.unknownKeys.length;
      while (size < maxKeys * 2) size *= 2;
      this.unknownKeys = new Int32Array(size);
      this.unknownStamp = new Uint32Array(size);
    }
    this.generation = (this.generation + 1) >>> 0;
    if (this.generation === 0) {
      this.rowStamp.fill(0);
      this.unknownStamp.fill(0);
      this.generation = 1;
    }
    this.sums.fill(0);
    this.unknownWords.length = 0;
    this.distinct = 0;
    this.known = 0;
  }

  private addRow(i: number): void {
    if (this.rowStamp[i] === this.generation) return;
    this.rowStamp[i] = this.generation;
    this.distinct++;
    this.known++;
    const { sums, weights, k } = this;
    const row = i * k;
    // Indices are in range by construction: `as number` rather than `?? 0`, which costs a test per label.
    for (let j = 0; j < k; j++) sums[j] = (sums[j] as number) + (weights[row + j] as number);
  }

  key(raw: number): void {
    const key = raw | 0;
    const { slots, mask } = this;
    let h = hashSlot(key, mask);
    for (let row = slots[2 * h + 1] as number; row !== -1; row = slots[2 * h + 1] as number) {
      if (slots[2 * h] === key) {
        this.addRow(row);
        return;
      }
      h = (h + 1) & mask;
    }
    // Unknown: still counted once, since unknown features dilute confidence as they should.
    const seen = this.unknownKeys.length - 1;
    h = hashSlot(key, seen);
    while (this.unknownStamp[h] === this.generation) {
      if (this.unknownKeys[h] === key) return;
      h = (h + 1) & seen;
    }
    this.unknownStamp[h] = this.generation;
    this.unknownKeys[h] = key;
    this.distinct++;
  }

  /** Word `i` of `tokens`. */
  token(tokens: Tokens, i: number): void {
    const id = idIn(this.vocabulary, tokens, i);
    // Ids added after this model was built (by other stages) are words it does not know.
    const row = id >= 0 && id < this.rowOfWord.length ? (this.rowOfWord[id] as number) : -1;
    if (row >= 0) {
      this.addRow(row);
      return;
    }
    const w = tokens.words[i] as string;
    // A message has a few dozen words at most: a linear scan beats hashing them into a fresh Set.
    if (this.unknownWords.includes(w)) return;
    this.unknownWords.push(w);
    this.distinct++;
  }

  /**
   * Writes probabilities (model label order) into `out`; returns how many distinct features the model knew. A model
   * that is two models side by side (see `sideBySide`) gives labels from `split` on a softmax of their own.
   */
  finish(out: Float64Array, split = this.k): number {
    const { sums, weights, k } = this;
    const scale = 1 / Math.sqrt(this.distinct || 1);
    for (let j = 0; j < k; j++) out[j] = (weights[this.bias + j] as number) + (sums[j] as number) * scale;
    softmaxInPlace(out.length === split ? out : out.subarray(0, split));
    if (split < k) softmaxInPlace(out.subarray(split, k));
    return this.known;
  }
}

/**
 * Two models over the same kind of features as one table: each feature's row holds the first model's weights then
 * the second's (zeros where a model lacks the feature), so one pass over a message's features scores both. Exact,
 * since both scale by the message's distinct features, known or not, and each keeps its own softmax
 * (`finish(out, first.labels.length)`).
 */
export function sideBySide(first: ModelTables, second: ModelTables): ModelTables {
  const k1 = first.labels.length;
  const k2 = second.labels.length;
  const k = k1 + k2;
  const rowOf = new Map<string, number>();
  const vocab: string[] = [];
  for (const f of [...first.vocab, ...second.vocab]) {
    if (!rowOf.has(f)) {
      rowOf.set(f, vocab.length);
      vocab.push(f);
    }
  }
  const weights = new Float32Array((vocab.length + 1) * k);
  const copy = (m: ModelTables, offset: number, width: number): void => {
    m.vocab.forEach((f, i) => {
      const row = rowOf.get(f) as number;
      for (let j = 0; j < width; j++) weights[row * k + offset + j] = m.weights[i * width + j] as number;
    });
    for (let j = 0; j < width; j++)
      weights[vocab.length * k + offset + j] = m.weights[m.vocab.length * width + j] as number;
  };
  copy(first, 0, k1);
  copy(second, k1, k2);
  return { labels: [...first.labels, ...second.labels], vocab, weights };
}
