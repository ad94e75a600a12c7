import { moduleText } from "../core/file-cache.js";
import type { Segmenter } from "../intents/segmenter.js";
import { cachedTables, type IndexTables } from "./retrieval-tables.js";
import type { KnowledgeEntry } from "./schema.js";

const STOPWORDS = new Set(
  "的 了 吗 呢 吧 啊 呀 哦 嘛 么 我 你 他 她 我们 是 在 有 和 与 或 也 都 就 还 要 想 请问 请 问 一下 怎么 怎么办 怎样 如何 什么 哪里 哪儿 多少 可以 能 能不能 会 不 没 没有 给 把 被 让 这 那 这个 那个 个 谁 啥 咋 咋办 吗? 么?".split(
    " ",
  ),
);

const K1 = 1.2;
const B = 0.75;
/** A posting packs its term count below its document number. */
export const TF_BITS = 8;
const TF_MASK = (1 << TF_BITS) - 1;

/** BM25's term weight of `tf` occurrences in a document of this length normalisation and weight. */
export const postingWeight = (tf: number, norm: number, weight: number): number =>
  ((tf * (K1 + 1)) / (tf + norm)) * weight;

/** The answer body is a weaker signal than the curated phrasings: it also mentions neighbouring topics. */
const ANSWER_WEIGHT = 0.35;

/**
 * The knowledge base as retrieval reads it: BM25 postings and everything a query needs, in flat typed arrays.
 * Arrays rather than objects per term: a query then reads a few compact arrays instead of chasing a map entry, a
 * word object, a term object and its postings, each a likely cache miss once jieba and the other stages have run.
 */
export interface RetrievalIndex {
  /** Grouped by topic (in file order within one): a topic's documents are one range of document numbers. */
  readonly entries: readonly KnowledgeEntry[];
  readonly topics: readonly string[];
  readonly topicIndex: ReadonlyMap<string, number>;
  /** Per entry, its topic's index. */
  readonly topicOf: Int32Array;
  /** Per document (each entry's phrasings, then its answer), its entry. */
  readonly docOf: Int32Array;
  /** The IDF of a word no document holds. */
  readonly maxIdf: number;
  /** Canonical keys (index terms, stopwords, synonyms and parts) to term numbers. */
  readonly termIndex: ReadonlyMap<string, number>;
  readonly termStop: Uint8Array;
  readonly termIdf: Float64Array;
  /**
   * Term t's postings are postings[pStart[t] .. pStart[t + 1]), sorted by document, each the document shifted
   * left by TF_BITS with the term's count in that document below: one int per posting, its weights computed at
   * query time from the term's IDF and the document's docNorm and docWeight (postingWeight). Two stored float64
   * weights per posting made a query read five times the memory, and missed the cache once the other stages ran.
   */
  readonly pStart: Int32Array;
  readonly postings: Int32Array;
  /** Per document, K1 · (1 − b + b · length / average length): BM25's length normalisation. */
  readonly docNorm: Float64Array;
  /** Per document, its weight: a phrasing 1, the answer ANSWER_WEIGHT; also its share of a term's coverage. */
  readonly docWeight: Float64Array;
  /**
   * Each term's postings cut into one run per topic: term t's runs are runs[3r .. 3r + 3) for r in runStart[t] ..
   * runStart[t + 1], each (topic, first posting, end posting), side by side so that reading a run is one cache line.
   * A search restricted to a few topics picks its runs out of this short list instead of binary-searching every
   * posting list once per topic.
   */
  readonly runStart: Int32Array;
  readonly runs: Int32Array;
  /**
   * Per word id of the segmenter's vocabulary (ids below wordTerm.length): its term (-1: not a word of ours) and
   * its parts' terms, wordParts[wordPartsStart[id] .. wordPartsEnd[id]).
   */
  readonly wordTerm: Int32Array;
  readonly wordPartsStart: Int32Array;
  readonly wordPartsEnd: Int32Array;
  readonly wordParts: Int32Array;
}

export function buildRetrievalIndex(
  segmenter: Segmenter,
  entriesInFileOrder: readonly KnowledgeEntry[],
  synonyms: Map<string, string>,
  /** Where to keep the built index between starts (cutting and indexing every text takes about 0.3 s). */
  cacheDir?: string,
): RetrievalIndex {
  // Grouped by topic, so that a topic's documents are one range of document numbers and, in every posting list
  // (sorted by document), one run: a search restricted to a few topics reads only their runs.
  const entries = entriesInFileOrder
    .map((e, i) => ({ e, i }))
    .sort((a, b) => (a.e.topic < b.e.topic ? -1 : a.e.topic > b.e.topic ? 1 : a.i - b.i))
    .map((x) => x.e);
  const topics = [...new Set(entries.map((e) => e.topic))];
  const topicOf = Int32Array.from(entries, (e) => topics.indexOf(e.topic));
  const build = () => indexTables(segmenter, entries, topicOf, topics.length, synonyms);
  const tables = cacheDir
    ? cachedTables(
        [
          MODULE_TEXT,
          segmenter.version,
          JSON.stringify(entries.map((e) => [e.topic, e.questions, e.answer])),
          JSON.stringify([...synonyms]),
        ],
        build,
        cacheDir,
      )
    : build();
  // Per word id of the segmenter's vocabulary (ids are this process's): its term and its parts' terms, flat.
  const vocabulary = segmenter.vocabulary;
  const ids = tables.words.map((w) => vocabulary.add(w));
  const wordTerm = new Int32Array(vocabulary.size).fill(-1);
  const wordPartsStart = new Int32Array(vocabulary.size + 1);
  const wordPartsEnd = new Int32Array(vocabulary.size + 1);
  ids.forEach((id, i) => {
    wordTerm[id] = tables.wordTerm[i] as number;
    wordPartsStart[id] = tables.wordPartStart[i] as number;
    wordPartsEnd[id] = tables.wordPartStart[i + 1] as number;
  });
  const { words: _words, wordTerm: _wordTerm, wordPartStart: _wordPartStart, terms, ...rest } = tables;
  return {
    ...rest,
    entries,
    topics,
    topicIndex: new Map(topics.map((t, i) => [t, i])),
    topicOf,
    termIndex: new Map(terms.map((t, i) => [t, i])),
    wordTerm,
    wordPartsStart,
    wordPartsEnd,
  };
}

function indexTables(
  segmenter: Segmenter,
  entries: readonly KnowledgeEntry[],
  topicOf: Int32Array,
  topicCount: number,
  synonyms: Map<string, string>,
): IndexTables {
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
  const { cuts, parts } = cutAll();
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

  // The BM25 term weight is tf·(k1+1) / (tf + k1·(1 − b + b·len/avgdl)) × the document's weight (a phrasing 1,
  // the answer ANSWER_WEIGHT); the document's weight is also its share of the term's coverage. Terms without
  // postings (stopwords, parts and synonyms the knowledge base never uses) have an empty range.
  const termIndex = new Map<string, number>();
  const termKeys: string[] = [];
  const termOf = (key: string): number => {
    let t = termIndex.get(key);
    if (t === undefined) {
      t = termKeys.length;
      termIndex.set(key, t);
      termKeys.push(key);
    }
    return t;
  };
  for (const key of termDocs.keys()) termOf(key);
  // Every word a query can bring, with its canonical term and its parts' terms: index terms, stopwords, synonyms.
  const words: { word: string; term: number; parts: number[] }[] = [];
  const addWord = (word: string, canonical: string) =>
    words.push({ word, term: termOf(canonical), parts: partKeys(canonical, partsOf(word)).map(termOf) });
  for (const t of termDocs.keys()) if (!synonyms.has(t)) addWord(t, t);
  for (const w of STOPWORDS) if (!synonyms.has(w)) addWord(w, w);
  for (const [from, to] of synonyms) addWord(from, to);

  const terms = termKeys.length;
  const termStop = Uint8Array.from(termKeys, (k) => (STOPWORDS.has(k) ? 1 : 0));
  const termIdf = new Float64Array(terms);
  const pStart = new Int32Array(terms + 1);
  let postingCount = 0;
  for (let t = 0; t < terms; t++) {
    pStart[t] = postingCount;
    postingCount += termDocs.get(termKeys[t] as string)?.length ?? 0;
  }
  pStart[terms] = postingCount;
  const docNorm = Float64Array.from(docLen, (len) => K1 * (1 - B + (B * len) / avgdl));
  const postings = new Int32Array(postingCount);
  for (let t = 0; t < terms; t++) {
    const list = termDocs.get(termKeys[t] as string);
    if (!list) continue;
    termIdf[t] = Math.log(1 + (n - list.length + 0.5) / (list.length + 0.5));
    list.forEach(({ doc, tf }, i) => {
      if (tf > TF_MASK) throw new Error(`retrieval index: a term occurs ${tf} times in one text`);
      postings[(pStart[t] as number) + i] = (doc << TF_BITS) | tf;
    });
  }
  const pDoc = (i: number): number => (postings[i] as number) >> TF_BITS;

  const wordPartStart = new Int32Array(words.length + 1);
  const flatParts: number[] = [];
  words.forEach((w, i) => {
    wordPartStart[i] = flatParts.length;
    flatParts.push(...w.parts);
  });
  wordPartStart[words.length] = flatParts.length;
  const docOf = Int32Array.from(docEntry);
  /** Topic i's documents are topicDocs[i] .. topicDocs[i + 1] - 1 (entries, and so documents, are grouped). */
  const topicDocs = new Int32Array(topicCount + 1);
  for (let d = 0, t = 0; t < topicCount; t++) {
    topicDocs[t] = d;
    while (d < n && topicOf[docEntry[d] as number] === t) d++;
  }
  topicDocs[topicCount] = n;
  const runStart = new Int32Array(terms + 1);
  const runs: number[] = [];
  for (let t = 0; t < terms; t++) {
    runStart[t] = runs.length / 3;
    for (let i = pStart[t] as number; i < (pStart[t + 1] as number); ) {
      const topic = topicOf[docOf[pDoc(i)] as number] as number;
      const from = i;
      while (i < (pStart[t + 1] as number) && pDoc(i) < (topicDocs[topic + 1] as number)) i++;
      runs.push(topic, from, i);
    }
  }
  runStart[terms] = runs.length / 3;
  return {
    maxIdf,
    terms: termKeys,
    docOf,
    termStop,
    termIdf,
    pStart,
    postings,
    docNorm,
    docWeight: Float64Array.from(docWeight),
    runStart,
    runs: Int32Array.from(runs),
    words: words.map((w) => w.word),
    wordTerm: Int32Array.from(words, (w) => w.term),
    wordPartStart,
    wordParts: Int32Array.from(flatParts),
  };
}

/** The code that builds the index and the code that stores it: a change to either must rebuild the cache. */
const MODULE_TEXT =
  moduleText("./retrieval-index.js", import.meta.url) + moduleText("./retrieval-tables.js", import.meta.url);
