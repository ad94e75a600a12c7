import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createSegmenter } from "../intents/segmenter.js";
import { Vocabulary } from "../intents/vocabulary.js";
import { tempDir } from "../tests/helpers.js";
import { createRetriever } from "./retrieval.js";
import type { KnowledgeEntry } from "./schema.js";

const segmenter = createSegmenter();

const entry = (id: string, topic: string, questions: string[], answer: string): KnowledgeEntry => ({
  id,
  topic,
  questions,
  answer,
  citations: [{ law: "中华人民共和国土地管理法" }],
  contact: [{ name: "所在地自然资源局" }],
  region: "national",
  reviewed: "2026-11-27",
});

const entries = [
  entry(
    "crops",
    "land_expropriation",
    ["地里的青苗补偿怎么算", "征地时庄稼赔多少", "青苗补偿标准"],
    "征收土地时，地上附着物和青苗的补偿标准由省、自治区、直辖市制定，具体金额以当地公布的标准为准。",
  ),
  entry(
    "arbitration",
    "labour_dispute",
    ["劳动仲裁怎么申请", "去哪里申请劳动仲裁", "劳动仲裁要交钱吗"],
    "劳动争议可以向用人单位所在地的劳动人事争议仲裁委员会申请仲裁，仲裁不收费，应当提交书面申请。",
  ),
];

describe("retrieval", () => {
  const retriever = createRetriever(segmenter, entries, new Map([["庄稼", "青苗"]]));
  const search = (q: string) => retriever.search(segmenter.tokens(q));

  it("ranks the entry whose phrasings share the question's words first, with full coverage", () => {
    const [top] = search("青苗补偿怎么算");
    expect(top?.entry.id).toBe("crops");
    expect(top?.coverage).toBeCloseTo(1, 5);
    expect(search("劳动仲裁去哪里申请")[0]?.entry.id).toBe("arbitration");
  });

  it("folds synonyms, and finds an index word inside a compound the index never saw", () => {
    expect(search("庄稼怎么赔")[0]?.entry.id).toBe("crops");
    // jieba keeps 青苗费 whole and the index never saw it; its piece 青苗 is an index word.
    expect(segmenter.cut("青苗费")).toEqual(["青苗费"]);
    const [top] = search("青苗费");
    expect(top?.entry.id).toBe("crops");
    // The unseen compound itself still counts against coverage, once: less sure than for the word the index has,
    // and as sure as with any other unseen word beside 青苗.
    expect(top?.coverage).toBeLessThan(search("青苗")[0]?.coverage ?? 0);
    expect(top?.coverage).toBeCloseTo(
      retriever.search(new Vocabulary().tokens(["青苗", "瞿铄"]))[0]?.coverage ?? 0,
      9,
    );
  });

  it("finds nothing for stopwords alone or words it does not hold, and little for mostly unknown words", () => {
    expect(search("我想问一下")).toEqual([]);
    expect(search("明天天气")).toEqual([]);
    // One word it holds among several it does not: found, but covering little of the question.
    const mostlyUnknown = search("明天天气会影响补偿吗");
    expect(mostlyUnknown.length).toBeGreaterThan(0);
    expect(mostlyUnknown.every((h) => h.coverage < 0.5)).toBe(true);
  });

  it("gives the same hits for tokens of another vocabulary, looked up by word", () => {
    for (const q of ["青苗费怎么算", "劳动仲裁要交钱吗", "庄稼怎么赔"]) {
      const words = segmenter.cut(q);
      expect(retriever.search(new Vocabulary().tokens(words))).toEqual(search(q));
    }
  });

  it("gives the same hits from an index read back from its cache, and rebuilds a cache cut short", () => {
    const { dir, cleanup } = tempDir();
    const synonyms = new Map([["庄稼", "青苗"]]);
    const questions = ["青苗费怎么算", "劳动仲裁要交钱吗", "庄稼怎么赔", "明天天气会影响补偿吗"];
    const hits = (r: ReturnType<typeof createRetriever>) =>
      questions.map((q) => r.search(segmenter.tokens(q)));
    const expected = hits(retriever);
    expect(hits(createRetriever(segmenter, entries, synonyms, dir))).toEqual(expected);
    expect(hits(createRetriever(segmenter, entries, synonyms, dir))).toEqual(expected);
    const bin = readdirSync(dir).find((f) => f.endsWith(".bin")) ?? "";
    writeFileSync(join(dir, bin), Buffer.alloc(16));
    expect(hits(createRetriever(segmenter, entries, synonyms, dir))).toEqual(expected);
    cleanup();
  });
});
