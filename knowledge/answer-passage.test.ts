import { describe, expect, it } from "vitest";
import { askedSentence } from "./answer-passage.js";

const answer =
  "申请要在事故发生之日起30日内由单位提出。单位没有提出的，本人可以在1年内自己申请。需要带身份证、病历和劳动关系证明。具体以人社部门答复为准。";

describe("the sentence of an answer a follow-up asks about", () => {
  it("finds the sentence by its words, with numbers written either way", () => {
    expect(askedSentence(answer, "都过了一年了呢")).toBe("单位没有提出的，本人可以在1年内自己申请。");
    expect(askedSentence(answer, "过了三十日怎么办")).toBe("申请要在事故发生之日起30日内由单位提出。");
    expect(askedSentence(answer, "病历要带吗")).toBe("需要带身份证、病历和劳动关系证明。");
  });

  it("quotes nothing when no sentence shares enough with the question", () => {
    expect(askedSentence(answer, "那怎么办呢")).toBeUndefined();
    expect(askedSentence(answer, "孩子归谁")).toBeUndefined();
  });
});
