import { describe, expect, it } from "vitest";
import { createNormaliser, IDEOGRAPHS } from "./normalise.js";

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
  it("leaves already-normal text as it is, and still normalises text that only looks normal", () => {
    expect(normalise("劳动仲裁 找谁?").text).toBe("劳动仲裁 找谁?");
    expect(normalise("劳动仲裁  找谁? ").text).toBe("劳动仲裁 找谁?");
    expect(normalise("Ｅ网通…").text).toBe("e网通...");
    expect(normalise("caf\u0065\u0301").text).toBe("caf\u00e9");
  });
  it("relies on basic ideographs having no decomposition and no case (the normaliser's fast path does)", () => {
    const changed: string[] = [];
    for (let c = IDEOGRAPHS[0]; c <= IDEOGRAPHS[1]; c++) {
      const ch = String.fromCharCode(c);
      if (ch.normalize("NFKC") !== ch || ch.toLowerCase() !== ch) changed.push(ch);
    }
    expect(changed).toEqual([]);
  });
});
