import { readFileSync } from "node:fs";
import { z } from "zod";
import { cachedJson, parseYaml } from "../core/file-cache.js";
import { projectPath } from "../core/paths.js";
import type { Article, StatuteCorpus } from "./statutes.js";

/** Everyday words mapped to the words statutes use for the same thing (孩子 → 子女). */
export const DEFAULT_STATUTE_WORDS = projectPath("knowledge", "statute-words.yaml");

export function loadStatuteWords(path: string = DEFAULT_STATUTE_WORDS): Map<string, string[]> {
  const text = readFileSync(path, "utf8");
  const groups = cachedJson("statute-words", [text], () =>
    z.array(z.array(z.string().min(1)).min(2)).parse(parseYaml(text)),
  );
  const map = new Map<string, string[]>();
  for (const [legal, ...everyday] of groups)
    for (const w of everyday) map.set(w, [...(map.get(w) ?? []), legal as string]);
  return map;
}

export interface ArticleHit {
  article: Article;
  score: number;
}

export interface ArticleSearch {
  /** Builds the index now (after the server listens) rather than in the first citizen's turn. */
  warm(): void;
  /**
   * `terms`: the words of the question (a query string is split on spaces and punctuation). `laws`: restrict to
   * these titles. Articles that only define the law's purpose or its date of effect are left out.
   */
  search(
    terms: readonly string[] | string,
    options?: { laws?: readonly string[]; limit?: number },
  ): ArticleHit[];
}

const K1 = 1.2;
const COMMON = 0.2;
const B = 0.75;

// The CJK Unified Ideographs block and Extension A: a code-point test is far cheaper than a Unicode regex per char.
const isHan = (c: number) => (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf);

const bitCount = (x: number): number => {
  let n = 0;
  for (let v = x >>> 0; v !== 0; v &= v - 1) n++;
  return n;
};

/** Two-character pieces of a run of Han characters: statute words are mostly two characters long. */
function bigrams(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < text.length; i++)
    if (isHan(text.charCodeAt(i)) && isHan(text.charCodeAt(i + 1))) out.push(text.slice(i, i + 2));
  return out;
}

/**
 * A bigram of two Han code units as one small integer (under 2^30, so V8 keeps it unboxed): the index is built
 * over a million bigrams, and a string per bigram, a map per article and an object per posting list took most of
 * the half second the index used to cost, and 35 MB.
 */
const HAN_FIRST = 0x3400;
const HAN_SPAN = 0x9fff - HAN_FIRST + 1;
const bigramKey = (a: number, b: number): number => (a - HAN_FIRST) * HAN_SPAN + (b - HAN_FIRST);

/** Articles that say what a law is for, who drafted it or when it takes effect answer no one's question. */
const BOILERPLATE = /^(为了|本法自|本条例自|本规定自|本解释自|本办法自|本法所称|本条例所称)/;

export function createArticleSearch(
  /** A thunk for start-up: reading and indexing the statutes (about 0.7 s) waits for the first search. */
  corpusOrLoad: StatuteCorpus | (() => StatuteCorpus),
  statuteWords: Map<string, string[]> = new Map(),
): ArticleSearch {
  let loadedCorpus: StatuteCorpus | undefined = typeof corpusOrLoad === "function" ? undefined : corpusOrLoad;
  const corpusNow = (): StatuteCorpus => {
    loadedCorpus ??= (corpusOrLoad as () => StatuteCorpus)();
    return loadedCorpus;
  };
  /** Each domain's law list resolved once to its document ranges. */
  const rangesOf = new Map<string, [number, number][]>();
  const byFirstChar = new Map<string, string[]>();
  for (const everyday of statuteWords.keys()) {
    const first = everyday[0] as string;
    byFirstChar.set(first, [...(byFirstChar.get(first) ?? []), everyday]);
  }
  // Built on first use: the command line and the referral card need it, start-up does not.
  let built:
    | {
        articles: Article[];
        /** Law i's articles are documents lawStart[i] .. lawStart[i + 1] - 1. */
        lawStart: Int32Array;
        lawIds: Map<string, number>;
        scores: Float64Array;
        /** Which of the question's words each article matched (a bit per word). */
        matched: Int32Array;
        touched: Int32Array;
        docLen: Float64Array;
        avgdl: number;
        /** A bigram's key to its term; term t's postings are pDoc/pTf[pStart[t] .. pStart[t + 1]), by document. */
        termOf: Map<number, number>;
        pStart: Int32Array;
        pDoc: Int32Array;
        pTf: Int32Array;
      }
    | undefined;
  const build = () => {
    const corpus = corpusNow();
    const articles = corpus.laws
      .flatMap((l) => l.articles)
      .filter((a) => !BOILERPLATE.test(a.paragraphs[0] ?? ""));
    const lawIds = new Map(corpus.laws.map((l, i) => [l.title, i]));
    const lawStart = new Int32Array(corpus.laws.length + 1);
    let at = 0;
    corpus.laws.forEach((l, i) => {
      lawStart[i] = at;
      while (at < articles.length && articles[at]?.law === l.title) at++;
    });
    lawStart[corpus.laws.length] = articles.length;
    const docLen = new Float64Array(articles.length);
    // Two passes over flat arrays: each article's distinct bigrams with their counts (in order of first
    // occurrence), then the postings laid out term by term, each list in document order.
    const termOf = new Map<number, number>();
    let df: Int32Array<ArrayBuffer> = new Int32Array(1024);
    let lastDoc: Int32Array<ArrayBuffer> = new Int32Array(1024);
    let slotOf: Int32Array<ArrayBuffer> = new Int32Array(1024);
    let pairs: Int32Array<ArrayBuffer> = new Int32Array(1 << 16);
    let pairCount = 0;
    const docPairs = new Int32Array(articles.length + 1);
    articles.forEach((a, doc) => {
      docPairs[doc] = pairCount;
      const text = a.paragraphs.join("\n");
      let grams = 0;
      for (let i = 0; i + 1 < text.length; i++) {
        const c = text.charCodeAt(i);
        const d = text.charCodeAt(i + 1);
        if (!isHan(c) || !isHan(d)) continue;
        grams++;
        const key = bigramKey(c, d);
        let t = termOf.get(key);
        if (t === undefined) {
          t = termOf.size;
          termOf.set(key, t);
          if (t === df.length) {
            df = grown(df, t * 2);
            lastDoc = grown(lastDoc, t * 2);
            slotOf = grown(slotOf, t * 2);
          }
          lastDoc[t] = -1;
        }
        if (lastDoc[t] === doc) {
          const slot = slotOf[t] as number;
          pairs[slot + 1] = (pairs[slot + 1] as number) + 1;
          continue;
        }
        lastDoc[t] = doc;
        df[t] = (df[t] as number) + 1;
        if (pairCount + 2 > pairs.length) pairs = grown(pairs, pairs.length * 2);
        slotOf[t] = pairCount;
        pairs[pairCount++] = t;
        pairs[pairCount++] = 1;
      }
      docLen[doc] = grams;
    });
    docPairs[articles.length] = pairCount;
    const terms = termOf.size;
    const pStart = new Int32Array(terms + 1);
    for (let t = 0; t < terms; t++) pStart[t + 1] = (pStart[t] as number) + (df[t] as number);
    const fill = pStart.slice(0, terms);
    const pDoc = new Int32Array(pStart[terms] as number);
    const pTf = new Int32Array(pStart[terms] as number);
    for (let doc = 0; doc < articles.length; doc++)
      for (let k = docPairs[doc] as number; k < (docPairs[doc + 1] as number); k += 2) {
        const t = pairs[k] as number;
        const i = fill[t] as number;
        fill[t] = i + 1;
        pDoc[i] = doc;
        pTf[i] = pairs[k + 1] as number;
      }
    const avgdl = docLen.reduce((s, d) => s + d, 0) / Math.max(1, articles.length);
    built = {
      articles,
      lawStart,
      lawIds,
      docLen,
      avgdl,
      termOf,
      pStart,
      pDoc,
      pTf,
      scores: new Float64Array(articles.length),
      matched: new Int32Array(articles.length),
      touched: new Int32Array(articles.length),
    };
    return built;
  };

  return {
    warm() {
      if (!built) build();
    },
    search(terms, { laws, limit = 5 } = {}) {
      const index = built ?? build();
      const words = typeof terms === "string" ? terms.split(/[\s\p{P}\p{S}]+/u).filter(Boolean) : terms;
      // Each word's bigrams, and those of the statute words it stands for; a word's weight is spread over its
      // bigrams so that a long word does not outvote a short one.
      // Each bigram also remembers which of the question's words brought it (a bit per word, the first 30).
      const weights = new Map<number, number>();
      const wordBits = new Map<number, number>();
      const addWord = (w: string, weight: number, bit: number) => {
        const grams = [...new Set(bigrams(w))];
        for (const gram of grams) {
          const g = bigramKey(gram.charCodeAt(0), gram.charCodeAt(1));
          weights.set(g, Math.max(weights.get(g) ?? 0, weight / Math.sqrt(grams.length)));
          wordBits.set(g, (wordBits.get(g) ?? 0) | bit);
        }
      };
      words.forEach((w, i) => {
        const bit = i < 30 ? 1 << i : 0;
        addWord(w, 1, bit);
        // 借钱不还 holds 借钱: the statute's 借款 counts too. Only the everyday words starting with one of the
        // word's characters are tried.
        for (const ch of new Set(w))
          for (const everyday of byFirstChar.get(ch) ?? [])
            if (w.includes(everyday)) for (const l of statuteWords.get(everyday) ?? []) addWord(l, 1, bit);
      });
      if (weights.size === 0) return [];
      // Articles are numbered law by law, so a law's articles are one range of document numbers and, in each
      // posting list (sorted by document), one run found by binary search: a domain's search reads only its laws.
      const key = laws ? laws.join("\u0000") : "";
      let ranges = rangesOf.get(key);
      if (!ranges) {
        ranges = laws
          ? laws.flatMap((t): [number, number][] => {
              const id = index.lawIds.get(corpusNow().law(t)?.title ?? t);
              return id === undefined
                ? []
                : [[index.lawStart[id] as number, index.lawStart[id + 1] as number]];
            })
          : [[0, index.articles.length]];
        rangesOf.set(key, ranges);
      }
      const n = index.articles.length;
      const { scores, touched, matched } = index;
      let touchedCount = 0;
      /** The question's words that any article could match. */
      let asked = 0;
      const { pStart, pDoc, pTf } = index;
      for (const [g, weight] of weights) {
        const t = index.termOf.get(g);
        if (t === undefined) continue;
        const start = pStart[t] as number;
        const end = pStart[t + 1] as number;
        const df = end - start;
        // A bigram in more than a fifth of all articles (人民, 规定, 应当) says almost nothing and costs the most.
        if (df > n * COMMON) continue;
        const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
        const bits = wordBits.get(g) ?? 0;
        asked |= bits;
        for (const [from, to] of ranges) {
          let lo = start;
          let hi = end;
          while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if ((pDoc[mid] as number) < from) lo = mid + 1;
            else hi = mid;
          }
          for (let i = lo; i < end && (pDoc[i] as number) < to; i++) {
            const doc = pDoc[i] as number;
            const tf = pTf[i] as number;
            const len = index.docLen[doc] as number;
            const bm25 = (tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * len) / index.avgdl));
            if (scores[doc] === 0) touched[touchedCount++] = doc;
            scores[doc] = (scores[doc] as number) + weight * idf * bm25;
            matched[doc] = (matched[doc] as number) | bits;
          }
        }
      }
      const hits: ArticleHit[] = [];
      for (let k = 0; k < touchedCount; k++) {
        const doc = touched[k] as number;
        const score = scores[doc] as number;
        const hitWords = bitCount(matched[doc] as number);
        scores[doc] = 0;
        matched[doc] = 0;
        // An article matching one word of a question of several is a coincidence, not a related provision.
        if (hitWords < Math.min(2, bitCount(asked))) continue;
        if (hits.length < limit || score > (hits[hits.length - 1] as ArticleHit).score) {
          hits.push({ article: index.articles[doc] as Article, score });
          hits.sort((a, b) => b.score - a.score);
          if (hits.length > limit) hits.pop();
        }
      }
      return hits;
    },
  };
}

function grown(a: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(size);
  b.set(a);
  return b;
}
