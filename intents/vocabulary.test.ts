import { describe, expect, it } from "vitest";
import { idIn, Vocabulary } from "./vocabulary.js";

describe("Vocabulary", () => {
  it("gives each word one id, finds every word again as the table grows, and knows what it lacks", () => {
    const v = new Vocabulary();
    // Enough words to grow every internal array several times, with look-alikes: same length, shared prefixes.
    const words: string[] = [];
    for (let i = 0; i < 5000; i++)
      words.push(`词${i}`, `词${i}语`, String.fromCharCode(0x4e00 + (i % 20000)));
    const ids = new Map<string, number>();
    for (const w of words) {
      const id = v.add(w);
      expect(ids.get(w) ?? id, w).toBe(id);
      ids.set(w, id);
    }
    expect(v.size).toBe(ids.size);
    expect([...ids.values()].sort((a, b) => a - b)).toEqual([...ids.keys()].map((_, i) => i));
    for (const [w, id] of ids) expect(v.idOf(w), w).toBe(id);
    for (const w of ["", "词", "词5000", "词1语语", "劳动仲裁"]) expect(v.idOf(w), w).toBe(-1);
  });

  it("hands out ids with the words, and another vocabulary's tokens are looked up by word", () => {
    const a = new Vocabulary();
    const b = new Vocabulary();
    a.add("仲裁");
    b.add("工资");
    b.add("仲裁");
    const tokens = a.tokens(["仲裁", "工资"]);
    expect([...tokens.ids]).toEqual([0, -1]);
    expect([0, 1].map((i) => idIn(a, tokens, i))).toEqual([0, -1]);
    expect([0, 1].map((i) => idIn(b, tokens, i))).toEqual([1, 0]);
  });

  it("finds a word added after the tokens were made (a stage built after the message was cut)", () => {
    const v = new Vocabulary();
    const tokens = v.tokens(["劳动", "仲裁"]);
    expect([...tokens.ids]).toEqual([-1, -1]);
    v.add("仲裁");
    expect([0, 1].map((i) => idIn(v, tokens, i))).toEqual([-1, 0]);
  });
});
