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
 * One term's postings as one flat array of (document, idf × BM25 term weight, idf × document weight) triples,
 * worked out at build time: a query walks a couple of hundred of them, and one contiguous array keeps that walk
 * in few cache lines. The BM25 term weight is tf·(k1+1) / (tf + k1·(1 − b + b·len/avgdl)) × the document's weight
 * (a phrasing 1, the answer ANSWER_WEIGHT); the document's weight is also its share of the term's coverage.
 */
interface Postings {
  idf: number;
  triples: Float64Array;
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
    const p: Postings = { idf, triples: new Float64Array(list.length * 3) };
    list.forEach(({ doc, tf }, i) => {
      const w = docWeight[doc] ?? 1;
      const bm25 = ((tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * (docLen[doc] ?? 0)) / avgdl))) * w;
      p.triples[i * 3] = doc;
      p.triples[i * 3 + 1] = idf * bm25;
      p.triples[i * 3 + 2] = idf * w;
    });
    postings.set(t, p);
  }
  // Every word a query can bring, looked up once: its canonical form (synonyms folded), whether it is a stopword
  // and its postings. One hash look-up per word instead of three on every message.
  type Term = { key: string; postings?: Postings };
  const termOf = (key: string): Term => (postings.has(key) ? { key, postings: postings.get(key) } : { key });
  // Duplicates among them are dropped when the query is assembled.
  const partTerms = (key: string, wordParts: readonly string[]): Term[] =>
    partKeys(key, wordParts).map(termOf);
  const lookup = new Map<string, Term & { stop: boolean; parts: Term[] }>();
  for (const t of postings.keys())
    if (!synonyms.has(t)) lookup.set(t, { ...termOf(t), stop: false, parts: partTerms(t, partsOf(t)) });
  for (const w of STOPWORDS) if (!synonyms.has(w)) lookup.set(w, { key: w, stop: true, parts: [] });
  for (const [from, to] of synonyms) {
    lookup.set(from, { ...termOf(to), stop: STOPWORDS.has(to), parts: partTerms(to, partsOf(from)) });
  }
  const queryPostings: (Postings | undefined)[] = [];
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
  const touchedDocs: number[] = [];
  const touchedEntries: number[] = [];
  const query: string[] = [];
  let stamp = 0;

  return {
    size: entries.length,
    search(words, topicProbability = () => 0, limit = 3) {
      query.length = 0;
      queryPostings.length = 0;
      const add = (t: Term) => {
        if (query.includes(t.key)) return;
        query.push(t.key);
        queryPostings.push(t.postings);
      };
      for (const raw of words) {
        const known = lookup.get(raw);
        if (known?.stop) continue;
        add(known ?? { key: raw });
        // Parts count too: "拖欠工资" also asks about 拖欠 and 工资, for entries that wrote them apart. A word the
        // index never saw is cut in search mode here (an unseen compound may still hold words it did see).
        for (const t of known ? known.parts : partTerms(raw, segmenter.parts(raw))) add(t);
      }
      if (query.length === 0) return [];
      stamp++;
      let totalIdf = 0;
      touchedDocs.length = 0;
      for (const p of queryPostings) {
        // An unknown word still counts against coverage: the question is about something we do not hold.
        if (!p) {
          totalIdf += maxIdf * 0.5;
          continue;
        }
        const w = p.idf;
        totalIdf += w;
        const t3 = p.triples;
        for (let i = 0; i < t3.length; i += 3) {
          const doc = t3[i] ?? 0;
          if (docCovered[doc] === 0) touchedDocs.push(doc);
          docScore[doc] = (docScore[doc] ?? 0) + (t3[i + 1] ?? 0);
          docCovered[doc] = (docCovered[doc] ?? 0) + (t3[i + 2] ?? 0);
        }
      }
      touchedEntries.length = 0;
      for (const doc of touchedDocs) {
        const s = docScore[doc] ?? 0;
        const cov = (docCovered[doc] ?? 0) / totalIdf;
        docScore[doc] = 0;
        docCovered[doc] = 0;
        const e = docOf[doc] ?? 0;
        if (entryStamp[e] !== stamp) {
          entryStamp[e] = stamp;
          entryBm25[e] = s;
          entryCoverage[e] = cov;
          touchedEntries.push(e);
        } else {
          if (s > (entryBm25[e] ?? 0)) entryBm25[e] = s;
          if (cov > (entryCoverage[e] ?? 0)) entryCoverage[e] = cov;
        }
      }
      // The best `limit` entries by score, kept in order by insertion: no array of every touched entry to sort.
      const best: { e: number; score: number }[] = [];
      for (const e of touchedEntries) {
        const topic = topicOf[e] ?? 0;
        if (topicStamp[topic] !== stamp) {
          topicStamp[topic] = stamp;
          topicP[topic] = topicProbability(topics[topic] ?? "");
        }
        const score = (entryBm25[e] ?? 0) * (1 + (topicP[topic] ?? 0));
        if (best.length === limit && score <= (best[limit - 1]?.score ?? 0)) continue;
        let at = best.length;
        while (at > 0 && score > (best[at - 1]?.score ?? 0)) at--;
        best.splice(at, 0, { e, score });
        if (best.length > limit) best.pop();
      }
      const hits: RetrievalHit[] = [];
      for (const { e, score } of best) {
        const entry = entries[e];
        if (entry) hits.push({ entry, bm25: entryBm25[e] ?? 0, coverage: entryCoverage[e] ?? 0, score });
      }
      return hits;
    },
  };
}
