/**
 * The crisis model's features: concept features (intents/crisis-concepts.ts) and character 1-2-grams inside runs of
 * word characters (masks and punctuation break runs). Distinct features only, as trainSoftmax expects. And the
 * scorer that evaluates the trained model on the same features without building them as strings.
 */

import { isWordChar } from "./crisis-canonicaliser.js";
import { type ConceptReader, createConceptReader } from "./crisis-concepts.js";
import type { RiskLevel } from "./crisis-risk.js";
import type { ModelTables } from "./linear-model.js";
import { SparseScorer, sideBySide } from "./sparse-scorer.js";

/** Unigrams and bigrams: trigrams did not generalise better in cross-validation and cost more to train. */
const MAX_N = 2;

export function crisisFeatures(modelText: string): string[] {
  const out: string[] = [...conceptReader().read(modelText).features];
  const seen = new Set<string>(out);
  const len = modelText.length;
  let runStart = 0;
  for (let i = 0; i <= len; i++) {
    if (i < len && isWordChar(modelText.charCodeAt(i))) continue;
    for (let s = runStart; s < i; s++) {
      const maxEnd = Math.min(i, s + MAX_N);
      for (let e = s + 1; e <= maxEnd; e++) {
        const f = modelText.slice(s, e);
        if (!seen.has(f)) {
          seen.add(f);
          out.push(f);
        }
      }
    }
    runStart = i + 1;
  }
  return out;
}

let sharedConceptReader: ConceptReader | undefined;
export const conceptReader = (): ConceptReader => {
  sharedConceptReader ??= createConceptReader();
  return sharedConceptReader;
};

/** Unigram key: the code unit; bigram key: both code units (always ≥ 0x300000 as word characters are ≥ 0x30). */
function ngramKey(f: string): number {
  return f.length === 1 ? f.charCodeAt(0) : ((f.charCodeAt(0) << 16) | f.charCodeAt(1)) >>> 0;
}

/**
 * Exported so that tests can check it agrees with LinearModel.predict.
 *
 * The trained LinearModel over crisisFeatures, evaluated by a SparseScorer on integer n-gram keys: same
 * probabilities as LinearModel.predict, which allocates Sets, arrays and one string per n-gram and costs several
 * µs per message; the detector's whole budget is 20 µs.
 */
export class CrisisModelScorer {
  private readonly scorer: SparseScorer;
  /** Position of each RiskLevel in the model's label order (-1 when the model lacks it). */
  readonly slot: Record<RiskLevel | "others" | "harmed", number>;
  /** The second model's label positions in the probabilities `score` gives it (-1 when absent or no second model). */
  readonly alsoSlot: Record<"none" | "distress" | "high", number>;
  private readonly split: number;
  private readonly all: Float64Array;

  /**
   * `also`: a second model over the same features, scored in the same pass (the crisis second opinion): one walk over
   * the message's n-grams instead of two.
   */
  constructor(json: ModelTables, also?: ModelTables) {
    const tables = also ? sideBySide(json, also) : json;
    this.scorer = new SparseScorer(tables, (f) => {
      if (f.length < 1 || f.length > MAX_N)
        throw new Error(`crisis model feature of unexpected length: ${f}`);
      return { key: ngramKey(f) };
    });
    this.split = json.labels.length;
    this.all = new Float64Array(tables.labels.length);
    const slot = (l: string) => json.labels.indexOf(l);
    this.slot = {
      none: slot("none"),
      distress: slot("distress"),
      high: slot("high"),
      imminent: slot("imminent"),
      others: slot("others"),
      harmed: slot("harmed"),
    };
    const alsoSlot = (l: string) => also?.labels.indexOf(l) ?? -1;
    this.alsoSlot = { none: alsoSlot("none"), distress: alsoSlot("distress"), high: alsoSlot("high") };
    if (this.slot.none < 0 || this.slot.distress < 0 || this.slot.high < 0) {
      throw new Error(
        `crisis model labels must include none, distress and high; got ${json.labels.join(", ")}`,
      );
    }
  }

  /** Fills `out` (length k) with probabilities in the model's label order, and `alsoOut` with the second model's. */
  score(
    text: string,
    out: Float64Array,
    concepts: readonly string[] = conceptReader().read(text).features,
    alsoOut?: Float64Array,
  ): void {
    const s = this.scorer;
    const len = text.length;
    // At most 2 features per character, and the concept features.
    s.begin(len * 2 + concepts.length);
    for (const f of concepts) s.key(f.charCodeAt(0));
    let prev = -1; // previous word character in the current run, -1 at a run start
    for (let i = 0; i < len; i++) {
      const c = text.charCodeAt(i);
      if (!isWordChar(c)) {
        prev = -1;
        continue;
      }
      s.key(c);
      if (prev !== -1) s.key((prev << 16) | c);
      prev = c;
    }
    const all = this.all;
    s.finish(all, this.split);
    for (let j = 0; j < this.split; j++) out[j] = all[j] as number;
    if (alsoOut) for (let j = this.split; j < all.length; j++) alsoOut[j - this.split] = all[j] as number;
  }
}
