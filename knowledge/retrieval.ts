import { readFileSync } from "node:fs";
import { z } from "zod";
import { cachedJson, parseYaml } from "../core/file-cache.js";
import { projectPath } from "../core/paths.js";
import type { Segmenter } from "../intents/segmenter.js";
import { idIn, type Tokens } from "../intents/vocabulary.js";
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
  /** `tokens`: the segmenter's output for the question. */
  search(
    tokens: Tokens,
    topicProbability?: (topic: string) => number,
    limit?: number,
    /** Search only these topics' entries (the classifier's shortlist): the rest of the index is not read. */
    onlyTopics?: readonly string[],
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

export function createRetriever(
  segmenter: Segmenter,
  entriesInFileOrder: readonly KnowledgeEntry[],
  synonyms: Map<string, string> = new Map(),
  /** Where to keep the cut phrasings and answers between starts (cutting them all takes about 80 ms). */
  cacheDir?: string,
): Retriever {
  // Grouped by topic, so that a topic's documents are one range of document numbers and, in every posting list
  // (sorted by document), one run: a search restricted to a few topics reads only their runs.
  const entries = entriesInFileOrder
    .map((e, i) => ({ e, i }))
    .sort((a, b) => (a.e.topic < b.e.topic ? -1 : a.e.topic > b.e.topic ? 1 : a.i - b.i))
    .map((x) => x.e);
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

  // Terms (canonical keys) in flat typed arrays: term t's postings are documents pDoc[pStart[t]..pStart[t+1]) with
  // idf × BM25 term weight pBm25 and idf × document weight pCovered, worked out here. The BM25 term weight is
  // tf·(k1+1) / (tf + k1·(1 − b + b·len/avgdl)) × the document's weight (a phrasing 1, the answer ANSWER_WEIGHT);
  // the document's weight is also its share of the term's coverage. Terms without postings (stopwords, parts
  // and synonyms the knowledge base never uses) have an empty range. Arrays rather than objects per term: a query
  // then reads a few compact arrays instead of chasing a map entry, a word object, a term object and its postings,
  // each a likely cache miss once jieba and the other stages have run.
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
  const pDoc = new Int32Array(postingCount);
  const pBm25 = new Float64Array(postingCount);
  const pCovered = new Float64Array(postingCount);
  for (let t = 0; t < terms; t++) {
    const list = termDocs.get(termKeys[t] as string);
    if (!list) continue;
    const idf = Math.log(1 + (n - list.length + 0.5) / (list.length + 0.5));
    termIdf[t] = idf;
    list.forEach(({ doc, tf }, i) => {
      const w = docWeight[doc] ?? 1;
      const bm25 = ((tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * (docLen[doc] ?? 0)) / avgdl))) * w;
      const at = (pStart[t] as number) + i;
      pDoc[at] = doc;
      pBm25[at] = idf * bm25;
      pCovered[at] = idf * w;
    });
  }

  // Per word id of the segmenter's vocabulary: its term (-1: not a word of ours) and its parts' terms, flat.
  const vocabulary = segmenter.vocabulary;
  const ids = words.map((w) => vocabulary.add(w.word));
  const wordTerm = new Int32Array(vocabulary.size).fill(-1);
  const wordPartsStart = new Int32Array(vocabulary.size + 1);
  const wordPartsEnd = new Int32Array(vocabulary.size + 1);
  const flatParts: number[] = [];
  words.forEach((w, i) => {
    const id = ids[i] as number;
    wordTerm[id] = w.term;
    wordPartsStart[id] = flatParts.length;
    flatParts.push(...w.parts);
    wordPartsEnd[id] = flatParts.length;
  });
  const wordParts = Int32Array.from(flatParts);
  /** The term of a vocabulary word, -1 when retrieval does not hold it (ids added after this index was built too). */
  const termOfWord = (id: number): number =>
    id >= 0 && id < wordTerm.length ? (wordTerm[id] as number) : -1;

  const docOf = Int32Array.from(docEntry);
  const topics = [...new Set(entries.map((e) => e.topic))];
  const topicOf = Int32Array.from(entries, (e) => topics.indexOf(e.topic));
  /** Topic i's documents are topicDocs[i] .. topicDocs[i + 1] - 1 (entries, and so documents, are grouped). */
  const topicDocs = new Int32Array(topics.length + 1);
  for (let d = 0, t = 0; t < topics.length; t++) {
    topicDocs[t] = d;
    while (d < n && topicOf[docEntry[d] as number] === t) d++;
  }
  topicDocs[topics.length] = n;
  const topicIndex = new Map(topics.map((t, i) => [t, i]));
  let ranges = new Int32Array(2 * topics.length);
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
  const termStamp = new Int32Array(terms);
  let stamp = 0;
  let bestEntry = new Int32Array(3);
  let bestScore = new Float64Array(3);
  /**
   * The query in order, as numbers so that it needs no objects: a term index (≥ 0), or for a word we do not hold
   * -1 - its index in `unknown` (pushed as -unknown.length right after it is added there).
   */
  let query = new Int32Array(64);
  let queryLength = 0;
  const unknown: string[] = [];
  const push = (code: number): void => {
    if (queryLength === query.length) {
      const bigger = new Int32Array(query.length * 2);
      bigger.set(query);
      query = bigger;
    }
    query[queryLength++] = code;
  };
  const addTerm = (t: number): void => {
    if (termStamp[t] === stamp) return;
    termStamp[t] = stamp;
    push(t);
  };
  /** A key that may be no term of ours: then counted once against coverage. */
  const addKey = (key: string): void => {
    const t = termIndex.get(key);
    if (t !== undefined) addTerm(t);
    else if (!unknown.includes(key)) {
      unknown.push(key);
      push(-unknown.length);
    }
  };
  const noTopic = (): number => 0;

  return {
    size: entries.length,
    search(tokens, topicProbability = noTopic, limit = 3, onlyTopics) {
      stamp++;
      queryLength = 0;
      unknown.length = 0;
      for (let i = 0; i < tokens.words.length; i++) {
        const id = idIn(vocabulary, tokens, i);
        const t = termOfWord(id);
        if (t >= 0) {
          if (termStop[t] === 1) continue;
          addTerm(t);
          // Parts count too: "拖欠工资" also asks about 拖欠 and 工资, for entries that wrote them apart.
          for (let k = wordPartsStart[id] as number; k < (wordPartsEnd[id] as number); k++)
            addTerm(wordParts[k] as number);
        } else {
          const raw = tokens.words[i] as string;
          addKey(raw);
          // An unseen compound may still hold words the index has: its two- and three-character pieces that are
          // index words count too (青苗费 asks about 青苗). Looked up in the vocabulary rather than by asking jieba's
          // search mode, whose second native call per unknown word costs about a tenth of the understanding path.
          // Unlike jieba's parts, pieces the index lacks add nothing: the compound already counts once against
          // coverage, and counting its pieces again would weigh one unknown word several times.
          for (let len = 2; len <= 3 && len < raw.length; len++)
            for (let at = 0; at + len <= raw.length; at++) {
              const piece = termOfWord(vocabulary.idOf(raw.slice(at, at + len)));
              if (piece >= 0 && termStop[piece] === 0) addTerm(piece);
            }
        }
      }
      if (queryLength === 0) return [];
      let rangeCount = 0;
      if (onlyTopics) {
        if (ranges.length < 2 * onlyTopics.length) ranges = new Int32Array(2 * onlyTopics.length);
        for (const topic of onlyTopics) {
          const t = topicIndex.get(topic);
          if (t === undefined) continue;
          ranges[2 * rangeCount] = topicDocs[t] as number;
          ranges[2 * rangeCount + 1] = topicDocs[t + 1] as number;
          rangeCount++;
        }
      } else {
        ranges[0] = 0;
        ranges[1] = n;
        rangeCount = 1;
      }
      let totalIdf = 0;
      let touched = 0;
      for (let q = 0; q < queryLength; q++) {
        const t = query[q] as number;
        // An unknown word still counts against coverage: the question is about something we do not hold.
        if (t < 0 || pStart[t] === pStart[t + 1]) {
          totalIdf += maxIdf * 0.5;
          continue;
        }
        totalIdf += termIdf[t] as number;
        const start = pStart[t] as number;
        const end = pStart[t + 1] as number;
        for (let r = 0; r < rangeCount; r++) {
          const from = ranges[2 * r] as number;
          const to = ranges[2 * r + 1] as number;
          let i = start;
          if (onlyTopics) {
            let hi = end;
            while (i < hi) {
              const mid = (i + hi) >> 1;
              if ((pDoc[mid] as number) < from) i = mid + 1;
              else hi = mid;
            }
          }
          for (; i < end; i++) {
            const doc = pDoc[i] as number;
            if (doc >= to) break;
            if (docCovered[doc] === 0) touchedDocs[touched++] = doc;
            docScore[doc] = (docScore[doc] as number) + (pBm25[i] as number);
            docCovered[doc] = (docCovered[doc] as number) + (pCovered[i] as number);
          }
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
