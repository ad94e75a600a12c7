import { describe, expect, it } from "vitest";
import { isVagueQuestion } from "./vague-question.js";

describe("a question of only how and where", () => {
  it("names no matter when it holds nothing but the words of asking", () => {
    for (const text of ["去哪办", "找谁办", "要多少钱", "多久能下来", "在哪里办理呢"])
      expect(isVagueQuestion(text), text).toBe(true);
  });

  it("asks nothing when it holds no word of asking (好的, 谢谢)", () => {
    for (const text of ["好的", "谢谢", "好的谢谢", "行"]) expect(isVagueQuestion(text), text).toBe(false);
  });

  it("names a matter when one word is more than asking", () => {
    for (const text of ["办个证要多久", "低保在哪申请", "交警队在哪", "钱能要回来吗"])
      expect(isVagueQuestion(text), text).toBe(false);
  });
});
