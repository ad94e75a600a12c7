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

interface Doc {
  entry: number;
  len: number;
  weight: number;
}

export function createRetriever(
  segmenter: Segmenter,
  entries: readonly KnowledgeEntry[],
  synonyms: Map<string, string> = new Map(),
): Retriever {
  const canonical = (words: readonly string[]): string[] =>
    words.map((w) => synonyms.get(w) ?? w).filter((w) => !STOPWORDS.has(w));
  const tokens = (text: string): string[] => canonical(segmenter.cut(text.toLowerCase()));

  const docs: Doc[] = [];
  const postings = new Map<string, { doc: number; tf: number }[]>();
  const addDoc = (entry: number, text: string, weight: number) => {
    const toks = tokens(text);
    const id = docs.length;
    docs.push({ entry, len: toks.length, weight });
    const tf = new Map<string, number>();
    for (const t of toks) tf.set(t, (tf.get(t) ?? 0) + 1);
    for (const [t, n] of tf) {
      const list = postings.get(t) ?? [];
      postings.set(t, list);
      list.push({ doc: id, tf: n });
    }
  };
  entries.forEach((e, i) => {
    for (const q of e.questions) addDoc(i, q, 1);
    addDoc(i, e.answer, ANSWER_WEIGHT);
  });
  const n = docs.length;
  const avgdl = docs.reduce((s, d) => s + d.len, 0) / Math.max(1, n);
  const idf = (t: string): number => {
    const df = postings.get(t)?.length ?? 0;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  };
  const maxIdf = Math.log(1 + (n + 0.5) / 0.5);
  const idfOf = new Map([...postings.keys()].map((t) => [t, idf(t)]));
  const docScore = new Float64Array(n);
  const docCovered = new Float64Array(n);
  const entryBm25 = new Float64Array(entries.length);
  const entryCoverage = new Float64Array(entries.length);
  const entryStamp = new Int32Array(entries.length);
  const touchedEntries: number[] = [];
  let stamp = 0;

  return {
    size: entries.length,
    search(words, topicProbability = () => 0, limit = 3) {
      const q = [...new Set(canonical(words))];
      if (q.length === 0) return [];
      // Typed arrays reused across calls, with a list of touched documents: no per-query maps on the hot path.
      const touched: number[] = [];
      let totalIdf = 0;
      for (const t of q) {
        const list = postings.get(t);
        // An unknown word still counts against coverage: the question is about something we do not hold.
        const w = list ? (idfOf.get(t) ?? 0) : maxIdf * 0.5;
        totalIdf += w;
        if (!list) continue;
        for (const { doc, tf } of list) {
          const d = docs[doc];
          if (!d) continue;
          if (docScore[doc] === 0 && docCovered[doc] === 0) touched.push(doc);
          docScore[doc] =
            (docScore[doc] ?? 0) +
            ((w * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * d.len) / avgdl))) * d.weight;
          docCovered[doc] = (docCovered[doc] ?? 0) + w * d.weight;
        }
      }
      for (const doc of touched) {
        const d = docs[doc];
        const s = docScore[doc] ?? 0;
        const cov = (docCovered[doc] ?? 0) / totalIdf;
        docScore[doc] = 0;
        docCovered[doc] = 0;
        if (!d) continue;
        const e = d.entry;
        if (entryStamp[e] !== stamp + 1) {
          entryStamp[e] = stamp + 1;
          entryBm25[e] = s;
          entryCoverage[e] = cov;
          touchedEntries.push(e);
        } else {
          if (s > (entryBm25[e] ?? 0)) entryBm25[e] = s;
          if (cov > (entryCoverage[e] ?? 0)) entryCoverage[e] = cov;
        }
      }
      stamp++;
      const hits: RetrievalHit[] = [];
      for (const i of touchedEntries) {
        const entry = entries[i];
        if (!entry) continue;
        const bm25 = entryBm25[i] ?? 0;
        hits.push({
          entry,
          bm25,
          coverage: entryCoverage[i] ?? 0,
          score: bm25 * (1 + topicProbability(entry.topic)),
        });
      }
      touchedEntries.length = 0;
      return hits.sort((a, b) => b.score - a.score).slice(0, limit);
    },
  };
}
