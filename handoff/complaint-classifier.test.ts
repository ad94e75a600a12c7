import { describe, expect, it } from "vitest";
import { buildNlu } from "../bot/assistant.js";
import { createSegmenter } from "../intents/segmenter.js";
import { COMPLAINT_FAMILIES, loadComplaintCategories } from "./complaint-categories.js";
import { createComplaintClassifier } from "./complaint-classifier.js";
import type { TaxonomyFamilyWords } from "./taxonomy-family-words.js";

const catalogue = loadComplaintCategories();
const classifier = buildNlu().complaintClassifier(catalogue);
const top = (text: string) => classifier.infer(text)[0]?.category;

describe("complaint category model", () => {
  it("maps every category to one 12345 family, named exactly as the taxonomy names it", () => {
    for (const c of catalogue.categories) expect(COMPLAINT_FAMILIES).toContain(c.family);
    expect(new Set(catalogue.categories.map((c) => c.family)).size).toBe(COMPLAINT_FAMILIES.length);
  });

  it("tells apart letters that keyword counting sent to 劳动争议: bidding fraud, a broken lift, a tour package", () => {
    expect(top("镇里修路的工程招标明显是内定的，中标的公司根本没有资质，请纪委查一查")?.family).toBe(
      "纪检监察",
    );
    expect(top("我们小区3号楼电梯坏了一个多月了，物业一直拖着不修，老人上下楼太难了")?.id).toBe(
      "property-housing",
    );
    expect(top("报了个旅行社的草原五日游，导游天天带着去购物店，不买就甩脸色，要求退钱")?.id).toBe(
      "market-consumer",
    );
  });

  it("ranks every category, best first, so the intake can offer the top three when it is unsure", () => {
    const ranked = classifier.infer("反映一个问题");
    expect(ranked).toHaveLength(catalogue.categories.length);
    for (let i = 1; i < ranked.length; i++)
      expect((ranked[i - 1]?.score ?? 0) >= (ranked[i]?.score ?? 0)).toBe(true);
  });

  it("lifts every category of a family whose taxonomy class names the letter uses, and no other", () => {
    const segmenter = createSegmenter();
    const training = [
      { text: "村干部把集体土地的分红扣下了，账目从来不公开", category: "village-affairs" },
      { text: "工地老板欠我们三个月工资，打电话也不接", category: "wage-arrears" },
    ];
    const taxonomyOf = (family?: "纪检监察"): TaxonomyFamilyWords => ({
      words: new Map(),
      hits: () => new Map(family ? [[family, 2]] : []),
    });
    const letter = "乡里有人把扶贫款挪作他用，请上级查一查";
    const score = (family?: "纪检监察") =>
      new Map(
        createComplaintClassifier(segmenter, catalogue, { training, taxonomy: taxonomyOf(family) })
          .infer(letter)
          .map((x) => [x.category.id, x.score]),
      );
    const without = score();
    const withWords = score("纪检监察");
    expect(withWords.get("cadre-conduct") ?? 0).toBeGreaterThan(without.get("cadre-conduct") ?? 0);
    for (const c of catalogue.categories)
      if (c.family !== "纪检监察") expect(withWords.get(c.id)).toBeCloseTo(without.get(c.id) ?? 0);
  });

  it("weighs a letter's title a little more than its share of the words, and a short message as one text", () => {
    const segmenter = createSegmenter();
    const training = [
      { text: "孩子上学报名的事，学校说名额满了", category: "education" },
      { text: "派出所办户口迁移，社区开证明，来回跑", category: "public-order" },
    ];
    const scores = (text: string, leadWeight?: number) =>
      new Map(
        createComplaintClassifier(segmenter, catalogue, {
          training,
          ...(leadWeight === undefined ? {} : { leadWeight }),
        })
          .infer(text)
          .map((x) => [x.category.id, x.score]),
      );
    // The title asks about school enrolment; the body is mostly about the hukou errands it takes.
    const letter =
      "咨询孩子上学报名的问题 户口迁到派出所以后，社区要开证明，派出所又让找社区，户口的事来回跑了好几趟";
    const margin = (m: Map<string, number>) => (m.get("education") ?? 0) - (m.get("public-order") ?? 0);
    expect(margin(scores(letter))).toBeGreaterThan(margin(scores(letter, 0)));
    // A message with no title (no short lead before a longer body) is scored as it is.
    const plain = "户口迁到派出所以后社区要开证明";
    expect(margin(scores(plain))).toBeCloseTo(margin(scores(plain, 0)));
  });
});
