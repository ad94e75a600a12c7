import { readFileSync } from "node:fs";
import { z } from "zod";
import { cachedJson, parseYaml } from "../bot/file-cache.js";
import { projectPath } from "../bot/paths.js";
import type { Segmenter } from "../intents/segmenter.js";
import type { KnowledgeEntry } from "./schema.js";

export const DEFAULT_SYNONYMS = projectPath("knowledge", "synonyms.yaml");

const STOPWORDS = new Set(
  "的 了 吗 呢 吧 啊 呀 哦 嘛 么 我 你 他 她 我们 是 在 有 和 与 或 也 都 就 还 要 想 请问 请 问 一下 怎么 怎么办 怎样 如何 什么 哪里 哪儿 多少 可以 能 能不能 会 不 没 没有 给 把 被 让 这 那 这个 那个 个 谁 啥 咋 咋办 吗? 么?".split(
    " ",
  ),
);

export interface RetrievalHit {
  entry: KnowledgeEntry;
  /** BM25 of the best-matching phrasing or the answer. */
  bm25: number;
  /** Share (0..1) of the question's information (IDF mass) that the entry's best phrasing covers. */
  coverage: number;
  /** Ranking score: BM25 boosted by the classifier's belief in the entry's topic. */
  score: number;
}

export interface Retriever {
  readonly size: number;
  /** `words` is the segmenter's output for the question. */
  search(
    words: readonly string[],
    topicProbability?: (topic: string) => number,
    limit?: number,
  ): RetrievalHit[];
}

const K1 = 1.2;
const B = 0.75;
/** The answer body is a weaker signal than the curated phrasings: it also mentions neighbouring topics. */
const ANSWER_WEIGHT = 0.35;

export function loadSynonyms(path: string = DEFAULT_SYNONYMS): Map<string, string> {
  const text = readFileSync(path, "utf8");
  const groups = cachedJson("synonyms", [text], () =>
    z.array(z.array(z.string().min(1)).min(2)).parse(parseYaml(text)),
  );
  const map = new Map<string, string>();
  for (const [canonical, ...rest] of groups) for (const w of rest) map.set(w, canonical ?? w);
  return map;
}

/**
 * One term's postings as parallel typed arrays, weights worked out at build time: a query walks about a hundred
 * postings, each a few array reads and two additions. The BM25 term weight is tf·(k1+1) / (tf + k1·(1 − b + b·len/avgdl)) × the document's weight
 * (a phrasing 1, the answer ANSWER_WEIGHT); the document's weight is also its share of the term's coverage.
 */
interface Postings {
  idf: number;
  docs: Int32Array;
  /** idf × BM25 term weight, per document in `docs`. */
  bm25: Float64Array;
  /** idf × document weight, per document in `docs`. */
  covered: Float64Array;
}

/** What one canonical key brings to a query. */
class Term {
  constructor(
    readonly key: string,
    readonly postings: Postings | null,
    readonly stop: boolean,
  ) {}
}

/** What one raw word of a question brings: its canonical term and its parts' terms. */
class WordLookup {
  constructor(
    readonly term: Term,
    readonly parts: readonly Term[],
  ) {}
}

export function createRetriever(
  segmenter: Segmenter,
  entries: readonly KnowledgeEntry[],
  synonyms: Map<string, string> = new Map(),
  /** Where to keep the cut phrasings and answers between starts (cutting them all takes about 80 ms). */
  cacheDir?: string,
): Retriever {
  const texts = entries.flatMap((e) => [...e.questions, e.answer].map((t) => t.toLowerCase()));
  const cutAll = () => {
    const cuts = texts.map((t) => segmenter.cut(t));
    const parts: Record<string, string[]> = {};
    for (const cut of cuts)
      for (const w of cut) {
        if (parts[w]) continue;
        const p = segmenter.parts(w);
        if (p.length > 0) parts[w] = p;
      }
    return { cuts, parts };
  };
  const { cuts, parts } = cacheDir
    ? cachedJson("retrieval-cuts-parts", [segmenter.version, JSON.stringify(texts)], cutAll, cacheDir)
    : cutAll();
  const partsOf = (w: string): readonly string[] => parts[w] ?? (synonyms.has(w) ? segmenter.parts(w) : []);
  /** The canonical, non-stopword forms of a word's parts, other than the word's own canonical `key`. */
  const partKeys = (key: string, wordParts: readonly string[]): string[] =>
    wordParts.map((p) => synonyms.get(p) ?? p).filter((cp) => cp !== key && !STOPWORDS.has(cp));
  /**
   * A word's canonical form, then those of its parts: "拖欠工资找谁" is indexed under 欠薪 (拖欠工资's synonym) and
   * also under 拖欠 and 工资, so "工资被拖欠了找谁", which jieba cuts into the parts, still finds it.
   */
  const expand = (words: readonly string[]): string[] => {
    const out: string[] = [];
    for (const w of words) {
      const c = synonyms.get(w) ?? w;
      if (!STOPWORDS.has(c)) out.push(c);
      out.push(...partKeys(c, partsOf(w)));
    }
    return out;
  };
  let nextCut = 0;

  const docEntry: number[] = [];
  const docLen: number[] = [];
  const docWeight: number[] = [];
  const termDocs = new Map<string, { doc: number; tf: number }[]>();
  // Called in the order of `texts`: each entry's phrasings, then its answer.
  const addDoc = (entry: number, weight: number) => {
    const toks = expand(cuts[nextCut++] ?? []);
    const id = docEntry.length;
    docEntry.push(entry);
    docLen.push(toks.length);
    docWeight.push(weight);
    const tf = new Map<string, number>();
    for (const t of toks) tf.set(t, (tf.get(t) ?? 0) + 1);
    for (const [t, n] of tf) {
      const list = termDocs.get(t) ?? [];
      termDocs.set(t, list);
      list.push({ doc: id, tf: n });
    }
  };
  entries.forEach((e, i) => {
    for (let q = 0; q < e.questions.length; q++) addDoc(i, 1);
    addDoc(i, ANSWER_WEIGHT);
  });
  const n = docEntry.length;
  const avgdl = docLen.reduce((s, d) => s + d, 0) / Math.max(1, n);
  const maxIdf = Math.log(1 + (n + 0.5) / 0.5);
  const postings = new Map<string, Postings>();
  for (const [t, list] of termDocs) {
    const idf = Math.log(1 + (n - list.length + 0.5) / (list.length + 0.5));
    const p: Postings = {
      idf,
      docs: new Int32Array(list.length),
      bm25: new Float64Array(list.length),
      covered: new Float64Array(list.length),
    };
    list.forEach(({ doc, tf }, i) => {
      const w = docWeight[doc] ?? 1;
      const bm25 = ((tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * (docLen[doc] ?? 0)) / avgdl))) * w;
      p.docs[i] = doc;
      p.bm25[i] = idf * bm25;
      p.covered[i] = idf * w;
    });
    postings.set(t, p);
  }
  // Every word a query can bring, looked up once: its canonical form (synonyms folded), whether it is a stopword,
  // its postings and its parts' terms. One hash look-up per word on every message; one Term object per key, all of
  // one class, so that the query loop's property reads stay monomorphic (mixed object shapes made it 2x slower).
  const terms = new Map<string, Term>();
  const termOf = (key: string): Term => {
    let t = terms.get(key);
    if (!t) {
      t = new Term(key, postings.get(key) ?? null, STOPWORDS.has(key));
      terms.set(key, t);
    }
    return t;
  };
  const partTerms = (key: string, wordParts: readonly string[]): Term[] =>
    partKeys(key, wordParts).map(termOf);
  /** Raw word → what it asks: its canonical term, then its parts' terms (duplicates dropped per query). */
  const lookup = new Map<string, WordLookup>();
  const lookupOf = (raw: string, canonical: string) =>
    new WordLookup(termOf(canonical), partTerms(canonical, partsOf(raw)));
  for (const t of postings.keys()) if (!synonyms.has(t)) lookup.set(t, lookupOf(t, t));
  for (const w of STOPWORDS) if (!synonyms.has(w)) lookup.set(w, lookupOf(w, w));
  for (const [from, to] of synonyms) lookup.set(from, lookupOf(from, to));
  const query: Term[] = [];
  const docOf = Int32Array.from(docEntry);
  const topics = [...new Set(entries.map((e) => e.topic))];
  const topicOf = Int32Array.from(entries, (e) => topics.indexOf(e.topic));
  const topicP = new Float64Array(topics.length);
  const topicStamp = new Int32Array(topics.length);
  // Typed arrays reused across calls, with lists of what a query touched: no per-query maps on the hot path.
  const docScore = new Float64Array(n);
  const docCovered = new Float64Array(n);
  const entryBm25 = new Float64Array(entries.length);
  const entryCoverage = new Float64Array(entries.length);
  const entryStamp = new Int32Array(entries.length);
  const touchedDocs = new Int32Array(n);
  const touchedEntries = new Int32Array(entries.length);
  let stamp = 0;
  let bestEntry = new Int32Array(3);
  let bestScore = new Float64Array(3);
  const addTerm = (t: Term): void => {
    for (let i = 0; i < query.length; i++) if (query[i]?.key === t.key) return;
    query.push(t);
  };
  const noTopic = (): number => 0;

  return {
    size: entries.length,
    search(words, topicProbability = noTopic, limit = 3) {
      query.length = 0;
      for (const raw of words) {
        const known = lookup.get(raw);
        if (known) {
          if (known.term.stop) continue;
          addTerm(known.term);
          // Parts count too: "拖欠工资" also asks about 拖欠 and 工资, for entries that wrote them apart.
          for (const t of known.parts) addTerm(t);
        } else {
          addTerm(new Term(raw, null, false));
          // A word the index never saw is cut in search mode here (an unseen compound may still hold words it did).
          // Not memoised: the stream of unknown words is unbounded.
          if (raw.length >= 3)
            for (const key of partKeys(raw, segmenter.parts(raw)))
              addTerm(terms.get(key) ?? new Term(key, postings.get(key) ?? null, false));
        }
      }
      if (query.length === 0) return [];
      stamp++;
      let totalIdf = 0;
      let touched = 0;
      for (const t of query) {
        const p = t.postings;
        // An unknown word still counts against coverage: the question is about something we do not hold.
        if (p === null) {
          totalIdf += maxIdf * 0.5;
          continue;
        }
        totalIdf += p.idf;
        const { docs, bm25, covered } = p;
        for (let i = 0; i < docs.length; i++) {
          const doc = docs[i] as number;
          if (docCovered[doc] === 0) touchedDocs[touched++] = doc;
          docScore[doc] = (docScore[doc] as number) + (bm25[i] as number);
          docCovered[doc] = (docCovered[doc] as number) + (covered[i] as number);
        }
      }
      let touchedE = 0;
      for (let k = 0; k < touched; k++) {
        const doc = touchedDocs[k] as number;
        const s = docScore[doc] as number;
        const cov = (docCovered[doc] as number) / totalIdf;
        docScore[doc] = 0;
        docCovered[doc] = 0;
        const e = docOf[doc] as number;
        if (entryStamp[e] !== stamp) {
          entryStamp[e] = stamp;
          entryBm25[e] = s;
          entryCoverage[e] = cov;
          touchedEntries[touchedE++] = e;
        } else {
          if (s > (entryBm25[e] as number)) entryBm25[e] = s;
          if (cov > (entryCoverage[e] as number)) entryCoverage[e] = cov;
        }
      }
      // The best `limit` entries by score, kept in order by insertion: no array of every touched entry to sort.
      if (bestEntry.length < limit) {
        bestEntry = new Int32Array(limit);
        bestScore = new Float64Array(limit);
      }
      let kept = 0;
      for (let k = 0; k < touchedE; k++) {
        const e = touchedEntries[k] as number;
        const topic = topicOf[e] as number;
        if (topicStamp[topic] !== stamp) {
          topicStamp[topic] = stamp;
          topicP[topic] = topicProbability(topics[topic] as string);
        }
        const score = (entryBm25[e] as number) * (1 + (topicP[topic] as number));
        if (kept === limit && score <= (bestScore[limit - 1] as number)) continue;
        let at = kept < limit ? kept++ : limit - 1;
        for (; at > 0 && score > (bestScore[at - 1] as number); at--) {
          bestScore[at] = bestScore[at - 1] as number;
          bestEntry[at] = bestEntry[at - 1] as number;
        }
        bestScore[at] = score;
        bestEntry[at] = e;
      }
      const hits: RetrievalHit[] = [];
      for (let k = 0; k < kept; k++) {
        const e = bestEntry[k] as number;
        const entry = entries[e];
        if (entry)
          hits.push({
            entry,
            bm25: entryBm25[e] as number,
            coverage: entryCoverage[e] as number,
            score: bestScore[k] as number,
          });
      }
      return hits;
    },
  };
}
