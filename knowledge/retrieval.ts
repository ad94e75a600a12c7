import { readFileSync } from "node:fs";
import { z } from "zod";
import { cachedJson, parseYaml } from "../core/file-cache.js";
import { projectPath } from "../core/paths.js";
import type { Segmenter } from "../intents/segmenter.js";
import { idIn, type Tokens } from "../intents/vocabulary.js";
import { buildRetrievalIndex, postingWeight, TF_BITS } from "./retrieval-index.js";
import type { KnowledgeEntry } from "./schema.js";

export const DEFAULT_SYNONYMS = projectPath("knowledge", "synonyms.yaml");

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
    /**
     * Search only these topics' entries (the classifier's shortlist, as topicNumber gives them): the rest of the
     * index is not read.
     */
    onlyTopics?: ArrayLike<number>,
  ): RetrievalHit[];
  /** A topic's number for `onlyTopics`; -1 when no entry has that topic. */
  topicNumber(topic: string): number;
}

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
  const {
    entries,
    topics,
    topicIndex,
    topicOf,
    docOf,
    maxIdf,
    termIndex,
    termStop,
    termIdf,
    pStart,
    postings,
    docNorm,
    docWeight,
    runStart,
    runs,
    wordTerm,
    wordPartsStart,
    wordPartsEnd,
    wordParts,
  } = buildRetrievalIndex(segmenter, entriesInFileOrder, synonyms, cacheDir);
  const vocabulary = segmenter.vocabulary;
  const n = docOf.length;
  const terms = termIdf.length;
  /** The term of a vocabulary word, -1 when retrieval does not hold it (ids added after this index was built too). */
  const termOfWord = (id: number): number =>
    id >= 0 && id < wordTerm.length ? (wordTerm[id] as number) : -1;
  /** Per topic, the run of the term being read (valid when topicRunStamp matches that term's stamp). */
  const topicRun = new Int32Array(topics.length);
  const topicRunStamp = new Int32Array(topics.length);
  let runStamp = 0;
  /** The topics a restricted search reads, in the caller's order (the order hits are first found in). */
  let rangeTopic = new Int32Array(topics.length);
  const topicP = new Float64Array(topics.length);
  const topicStamp = new Int32Array(topics.length);
  // Typed arrays reused across calls, with lists of what a query touched: no per-query maps on the hot path.
  // Document d's BM25 sum at [4d], its covered IDF at [4d + 1], then what its postings' weights need: the BM25
  // weight of a single occurrence (most postings) at [4d + 2] and its weight at [4d + 3]. A posting's document is
  // then one cache line.
  const docState = new Float64Array(4 * n);
  for (let d = 0; d < n; d++) {
    docState[4 * d + 2] = postingWeight(1, docNorm[d] as number, docWeight[d] as number);
    docState[4 * d + 3] = docWeight[d] as number;
  }
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
  /** Adds postings from .. to - 1 of a term of this IDF to their documents' sums; returns the new touched count. */
  const accumulate = (from: number, to: number, idf: number, touchedBefore: number): number => {
    let touched = touchedBefore;
    for (let i = from; i < to; i++) {
      const posting = postings[i] as number;
      const doc = posting >> TF_BITS;
      const tf = posting & ((1 << TF_BITS) - 1);
      const at = 4 * doc;
      if (docState[at + 1] === 0) touchedDocs[touched++] = doc;
      const weight = docState[at + 3] as number;
      const bm25 =
        tf === 1 ? (docState[at + 2] as number) : postingWeight(tf, docNorm[doc] as number, weight);
      docState[at] = (docState[at] as number) + idf * bm25;
      docState[at + 1] = (docState[at + 1] as number) + idf * weight;
    }
    return touched;
  };

  return {
    size: entries.length,
    topicNumber: (topic) => topicIndex.get(topic) ?? -1,
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
        if (rangeTopic.length < onlyTopics.length) rangeTopic = new Int32Array(onlyTopics.length);
        for (let i = 0; i < onlyTopics.length; i++) {
          const t = onlyTopics[i] as number;
          if (t >= 0 && t < topics.length) rangeTopic[rangeCount++] = t;
        }
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
        const idf = termIdf[t] as number;
        totalIdf += idf;
        if (!onlyTopics) {
          touched = accumulate(pStart[t] as number, pStart[t + 1] as number, idf, touched);
          continue;
        }
        // The term's run in each topic it occurs in, then those of the asked topics in the caller's order.
        runStamp++;
        for (let k = runStart[t] as number; k < (runStart[t + 1] as number); k++) {
          const topic = runs[3 * k] as number;
          topicRun[topic] = k;
          topicRunStamp[topic] = runStamp;
        }
        for (let r = 0; r < rangeCount; r++) {
          const topic = rangeTopic[r] as number;
          if (topicRunStamp[topic] !== runStamp) continue;
          const k = topicRun[topic] as number;
          touched = accumulate(runs[3 * k + 1] as number, runs[3 * k + 2] as number, idf, touched);
        }
      }
      let touchedE = 0;
      for (let k = 0; k < touched; k++) {
        const doc = touchedDocs[k] as number;
        const s = docState[4 * doc] as number;
        const cov = (docState[4 * doc + 1] as number) / totalIdf;
        docState[4 * doc] = 0;
        docState[4 * doc + 1] = 0;
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
