import { describe, expect, it } from "vitest";
import { mask } from "../core/logger.js";
import { createEntityExtractor, isValidIdNumber, parseChineseNumber } from "./entities.js";
import { loadPlaces } from "./places.js";
import { Vocabulary } from "./vocabulary.js";

const vocabulary = new Vocabulary();
const extract = createEntityExtractor(loadPlaces(undefined, vocabulary));

describe("entities", () => {
  it("validates ID numbers by their checksum", () => {
    expect(isValidIdNumber("11010519491231002X")).toBe(true);
    expect(isValidIdNumber("110105194912310021")).toBe(false);
  });
  it("finds a checksum-valid ID number and ignores a mistyped one", () => {
    const e = extract("我的身份证号11010519491231002x，另一个110105194912310021");
    expect(e.idNumbers).toEqual(["11010519491231002X"]);
  });
  it("finds mobile and landline numbers", () => {
    expect(extract("电话 138-0471-1234 或 0471-6661234").phones).toEqual(["13804711234", "04716661234"]);
  });
  it("resolves a county to its league and keeps the more precise place", () => {
    const e = extract("我在鄂尔多斯市准格尔旗的嘎查");
    expect(e.places).toEqual([{ matched: "准格尔旗", league: "鄂尔多斯市", county: "准格尔旗" }]);
    expect(extract("锡盟这边").places[0]?.league).toBe("锡林郭勒盟");
  });
  it("does not take a short alias inside another word when the words are known", () => {
    const words = ["我", "想", "去", "多伦多", "旅游"];
    expect(extract("我想去多伦多旅游", vocabulary.tokens(words)).places).toEqual([]);
    // Words known by id, and words of another vocabulary looked up by name, find the same place.
    const county = ["我", "在", "准格尔旗"];
    for (const tokens of [vocabulary.tokens(county), new Vocabulary().tokens(county)]) {
      expect(extract("我在准格尔旗", tokens).places).toEqual([
        { matched: "准格尔旗", league: "鄂尔多斯市", county: "准格尔旗" },
      ]);
    }
  });
  it("reads a league or county name that names a street or a building as no place", () => {
    const places = (words: string[]) => extract(words.join(""), vocabulary.tokens(words)).places;
    expect(places(["昭", "乌达", "路", "那段"])).toEqual([]);
    expect(places(["锡林郭勒", "北路"])).toEqual([]);
    expect(places(["鄂尔多斯", "大街", "上"])).toEqual([]);
    expect(extract("包头饭店门口").places).toEqual([]);
    // A place followed by other words, or by 路灯 with the comma dropped, is still the place.
    expect(places(["我", "在", "包头", "路灯", "坏", "了"])[0]?.league).toBe("包头市");
    expect(extract("我在包头路灯坏了").places[0]?.league).toBe("包头市");
    expect(places(["我", "在", "乌达"])[0]?.county).toBe("乌达区");
  });
  it("reads a child's age in years, months, halves and 不到, but not an adult's", () => {
    expect(extract("孩子三岁，归谁").childAge).toBe(3);
    expect(extract("两岁半的闺女").childAge).toBe(2.5);
    expect(extract("离婚孩子不到两岁归谁").childAge).toBeLessThan(2);
    expect(extract("娃才八个月").childAge).toBeLessThan(1);
    expect(extract("我今年30岁，孩子5岁").childAge).toBe(5);
    expect(extract("我30岁了想离婚").childAge).toBeUndefined();
  });
  it("reads money in digits and Chinese numerals", () => {
    expect(parseChineseNumber("三万五千")).toBe(35000);
    expect(extract("欠了我3万元，还有两千块").money.map((m) => m.yuan)).toEqual([30000, 2000]);
  });
  it("finds dates and case numbers", () => {
    const e = extract("2026年3月5日提交的sw-2026-000123");
    expect(e.dates).toContain("2026年3月5日");
    expect(e.caseNumbers).toEqual(["SW-2026-000123"]);
  });
  it("masks ID and phone numbers for logs", () => {
    const masked = mask("身份证11010519491231002X 电话13804711234");
    expect(masked).not.toContain("11010519491231002X");
    expect(masked).not.toContain("13804711234");
    expect(masked).toContain("110*************2X");
  });
});
