import { describe, expect, it } from "vitest";
import { createNormaliser } from "./normalise.js";

const normalise = createNormaliser();

describe("normalise", () => {
  it("turns traditional characters into simplified ones", () => {
    expect(normalise("勞動仲裁要準備什麼材料").text).toBe("劳动仲裁要准备什么材料");
  });
  it("folds full-width letters, digits and punctuation and collapses whitespace", () => {
    expect(normalise("  ＳＷ－２０２６　　查询？ ").text).toBe("sw-2026 查询?");
  });
  it("strips control and zero-width characters that can hide words", () => {
    expect(normalise("自\u200b杀\u0007").text).toBe("自杀");
  });
  it("keeps the original text untouched for the log", () => {
    expect(normalise("勞動 ").original).toBe("勞動 ");
  });
  it("flags Mongolian script and mostly non-Chinese text", () => {
    const mn = normalise("ᠰᠠᠶᠢᠨ ᠪᠠᠶᠢᠨ᠎ᠠ ᠤᠤ");
    expect(mn.hasMongolian).toBe(true);
    expect(normalise("征地补偿").cjkRatio).toBe(1);
    expect(normalise("hello how are you").cjkRatio).toBe(0);
  });
});
