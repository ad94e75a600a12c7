import type { FeatureForm, SparseScorer } from "./sparse-scorer.js";
import type { Tokens } from "./vocabulary.js";

// The CJK Unified Ideographs block and Extension A: a code-point test is far cheaper than a Unicode regex per char.
const isHan = (c: number) => (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf);

/**
 * Words from jieba plus character bigrams of the Chinese text. Bigrams carry typos, unseen compounds and
 * half-remembered terms ("劳懂仲裁") that whole-word features would miss.
 */
export function textFeatures(words: readonly string[], text: string): string[] {
  const out: string[] = words.map((w) => `w:${w}`);
  for (let i = 0; i + 1 < text.length; i++) {
    if (isHan(text.charCodeAt(i)) && isHan(text.charCodeAt(i + 1))) out.push(`b:${text.slice(i, i + 2)}`);
  }
  return out;
}

/** A feature string of textFeatures as the scorer takes it: a word, or a bigram's two code units as one key. */
export function featureForm(f: string): FeatureForm {
  if (f.startsWith("w:")) return { word: f.slice(2) };
  if (f.startsWith("b:") && f.length === 4) return { key: bigramKey(f.charCodeAt(2), f.charCodeAt(3)) };
  throw new Error(`not a textFeatures feature: ${f}`);
}

const bigramKey = (a: number, b: number) => ((a << 16) | b) >>> 0;

/** Feeds the scorer exactly the features textFeatures(tokens.words, text) lists, without building their strings. */
export function scoreText(scorer: SparseScorer, tokens: Tokens, text: string): void {
  scorer.begin(text.length);
  for (let i = 0; i < tokens.words.length; i++) scorer.token(tokens, i);
  for (let i = 0; i + 1 < text.length; i++) {
    const a = text.charCodeAt(i);
    const b = text.charCodeAt(i + 1);
    if (isHan(a) && isHan(b)) scorer.key(bigramKey(a, b));
  }
}
