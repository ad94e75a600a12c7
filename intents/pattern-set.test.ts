import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { projectPath } from "../core/paths.js";
import { loadCrisisLexicon } from "./crisis-lexicon.js";
import { loadCrisisTraining } from "./crisis-training.js";
import { firstSet, PatternSet } from "./pattern-set.js";

type Matcher = (text: string) => string[];

/** Every match of the combined `(g1)|(g2)|…` regex, restarting one character after each match. */
const combinedMatcher =
  (groups: readonly (readonly string[])[]): Matcher =>
  (text) => {
    const re = new RegExp(groups.map((g) => `(${g.map((p) => `(?:${p})`).join("|")})`).join("|"), "g");
    const out: string[] = [];
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const group = m.slice(1).findIndex((c) => c !== undefined);
      out.push(`${group}@${m.index}:${m[0]}`);
      re.lastIndex = m.index + 1;
    }
    return out;
  };

const setMatcher = (groups: readonly (readonly string[])[]): Matcher => {
  const set = new PatternSet(groups);
  return (text) => {
    const out: string[] = [];
    for (let m = set.next(text, 0); m !== null; m = set.next(text, m.index + 1)) {
      out.push(`${m.group}@${m.index}:${m.text}`);
    }
    return out;
  };
};

const jsonl = (name: string): string[] =>
  readFileSync(projectPath("tests", "gate", name), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => (JSON.parse(l) as { text: string }).text);

describe("PatternSet", () => {
  it("finds what the combined regex finds: same group, place and text", () => {
    const groups = [["(?<![要想])喝药了", "[^，。]{0,2}跳楼"], ["活着没意思"], ["药"], ["楼顶|天台"]];
    const [ours, combined] = [setMatcher(groups), combinedMatcher(groups)];
    for (const text of ["我已经喝药了", "想喝药了吗", "站在楼顶，活着没意思", "跳楼", "，跳楼", "药药"]) {
      expect(ours(text), text).toEqual(combined(text));
    }
    // At one place the earlier group wins, as in the combined regex: 喝药了 is group 0, not group 2's 药.
    expect(ours("我喝药了")[0]).toBe("0@1:喝药了");
  });

  it("reads escapes in first characters, and an escape it cannot read means no prefilter, never a missed match", () => {
    const cases: [string[][], string][] = [
      [[["[\\u4e00-\\u9fff]死"]], "我想死"],
      [[["\\x41b"]], "xAb"],
      [[["\\tx"]], "a\tx"],
      [[["\\p{L}死"]], "p{L}死"],
      [[["[a\\-z]死"]], "-死"],
      [[["(?:)"], ["a"]], "a"],
    ];
    for (const [groups, text] of cases) {
      const expected = combinedMatcher(groups)(text);
      expect(expected.length, `${groups} on ${text}`).toBeGreaterThan(0);
      expect(setMatcher(groups)(text), `${groups} on ${text}`).toEqual(expected);
    }
    expect(firstSet("[\\u4e00-\\u9fff]死").chars.has("中")).toBe(true);
    expect(firstSet("\\qx").any).toBe(true);
    expect(() => new PatternSet([["(a)b"]])).toThrow(/capturing/);
  });

  it("matches the crisis lexicon exactly like the combined regexes on the gate sets and training texts", () => {
    const lexicon = loadCrisisLexicon();
    const texts = [
      ...jsonl("crisis-must-catch.jsonl"),
      ...jsonl("crisis-hard-negatives.jsonl"),
      ...loadCrisisTraining().examples.map((e) => e.text),
      "zisha了算了",
      "我想s了算了",
      "一了白了",
    ].map((t) => t.toLowerCase());
    const sets = [
      lexicon.risk.map((g) => g.patterns),
      lexicon.neutral.map((g) => g.patterns),
      lexicon.obfuscation.map.map((e) => [e.pattern]),
    ];
    let matched = 0;
    for (const groups of sets) {
      const [ours, combined] = [setMatcher(groups), combinedMatcher(groups)];
      for (const text of texts) {
        const expected = combined(text);
        expect(ours(text), text).toEqual(expected);
        matched += expected.length;
      }
    }
    // The comparison means something only if the lexicon matched a good deal of these texts.
    expect(matched).toBeGreaterThan(texts.length / 2);
  });
});
