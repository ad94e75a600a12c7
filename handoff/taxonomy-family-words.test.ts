import { describe, expect, it } from "vitest";
import { createSegmenter } from "../intents/segmenter.js";
import { loadTaxonomyFamilyWords } from "./taxonomy-family-words.js";

const segmenter = createSegmenter();
const taxonomy = loadTaxonomyFamilyWords(segmenter);

describe("the taxonomy's class names as family evidence", () => {
  it("keeps words that name one family's classes and drops those shared by several", () => {
    expect(taxonomy.words.get("物业")).toBe("城乡建设");
    expect(taxonomy.words.get("户籍")).toBe("政法");
    expect(taxonomy.words.get("退耕还林")).toBe("农村农业");
    for (const shared of ["管理", "其他", "安全", "补偿"]) expect(taxonomy.words.has(shared)).toBe(false);
  });

  it("counts each distinct word of a letter once, for the family it names", () => {
    const words = segmenter.cut("我们小区的物业不管事，物业费照收，燃气管道漏气也没人来看");
    const hits = taxonomy.hits(words);
    expect(hits.get("城乡建设")).toBeGreaterThanOrEqual(3);
    expect(hits.has("政法")).toBe(false);
    expect(taxonomy.hits(segmenter.cut("今天天气不错"))).toEqual(new Map());
  });
});
