import { describe, expect, it } from "vitest";
import { loadComplaintCategories } from "./complaint-categories.js";
import { keywordReliability } from "./keyword-reliability.js";

const catalogue = loadComplaintCategories();
const keywordIndex = (id: string, source: string) => catalogue.get(id).keywords.indexOf(source);

describe("keyword reliability", () => {
  it("trusts a keyword as far as the letters it matches belong to its own category", () => {
    const letters = [
      { text: "物业费年年涨，物业公司却什么都不管", category: "property-housing" },
      { text: "我们小区的物业乱收停车费", category: "property-housing" },
      { text: "小区门口的垃圾堆了一个星期没人清", category: "urban-management" },
      { text: "小区楼下新开的烧烤店油烟熏得睡不着", category: "environment" },
    ];
    const trust = keywordReliability(catalogue, letters);
    const estate = keywordIndex("property-housing", "物业|物业费|物业公司");
    const compound = keywordIndex("property-housing", "小区");
    expect(estate).toBeGreaterThanOrEqual(0);
    expect(compound).toBeGreaterThanOrEqual(0);
    // Both letters that name the estate company are about it; only one of three that mention the compound is.
    expect(trust.of("property-housing", estate)).toBeCloseTo(3 / 4);
    expect(trust.of("property-housing", compound)).toBeCloseTo(2 / 5);
    // A keyword no letter uses keeps half a vote.
    expect(trust.of("grassland", 0)).toBeCloseTo(1 / 2);
  });

  it("reads which keywords matched from the catalogue, in the order of the matched words", () => {
    const [top] = catalogue.infer("小区物业把电梯停了").filter((x) => x.category.id === "property-housing");
    expect(top?.hits.map((i) => catalogue.get("property-housing").keywords[i])).toEqual([
      "物业|物业费|物业公司",
      "小区",
      "电梯",
    ]);
    expect(top?.matched).toEqual(["物业", "小区", "电梯"]);
  });
});
