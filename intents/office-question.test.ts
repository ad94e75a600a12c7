import { describe, expect, it } from "vitest";
import { readOfficeQuestion } from "./office-question.js";

describe("office questions", () => {
  it("reads a question for an office's number, address or hours as that office's kind", () => {
    expect(readOfficeQuestion("劳动监察大队电话多少")).toEqual({ kind: "hrss-labour-inspection" });
    expect(readOfficeQuestion("请问人社局的电话是多少")).toEqual({ kind: "hrss" });
    expect(readOfficeQuestion("民政局在哪")).toEqual({ kind: "civil-affairs" });
    expect(readOfficeQuestion("派出所周六开门吗")).toEqual({ kind: "public-security" });
    expect(readOfficeQuestion("城管的电话号码")).toEqual({ kind: "urban-management" });
    expect(readOfficeQuestion("交警队电话")).toEqual({ kind: "traffic-police" });
  });

  it("leaves a question about a matter, or one that names no office, to the answers", () => {
    for (const text of [
      "劳动监察大队不管欠薪怎么办",
      "派出所不给立案怎么办",
      "社保局在哪儿办社保卡",
      "法院在哪起诉",
      "低保在哪申请",
      "电话多少",
      "我给派出所打了好几次电话都没人接，邻居天天半夜放音乐",
    ])
      expect(readOfficeQuestion(text), text).toBeUndefined();
  });
});
