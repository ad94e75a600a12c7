/**
 * Staff read why a conversation was graded as it was: every reason the detector can give is shown in plain
 * Chinese, never as the raw code (`travel:…`, `lexicon:imminent-act`).
 */
import { describe, expect, it } from "vitest";
import { createCrisisDetector } from "../intents/crisis-detector.js";
import { defaultLexicon } from "../intents/crisis-lexicon.js";
import { createNormaliser } from "../intents/normalise.js";
import { riskReasonLabel } from "./messages.js";

const CJK = /[\u4e00-\u9fff]/;

describe("risk reasons for staff", () => {
  it("names every lexicon group and every masking rule in Chinese", () => {
    const lexicon = defaultLexicon();
    for (const g of lexicon.risk) {
      const label = riskReasonLabel(`lexicon:${g.id}`);
      expect(label, g.id).toMatch(CJK);
      expect(label).not.toContain(g.id);
    }
    for (const g of lexicon.neutral) {
      const label = riskReasonLabel(`${g.reason}:羊怕是熬不过`);
      expect(label, g.reason).toMatch(CJK);
      expect(label.startsWith(g.reason), g.reason).toBe(false);
      expect(label).toContain("羊怕是熬不过");
    }
  });

  it("explains in Chinese why a herder's winter worry and a farm question raised no alarm", () => {
    const normalise = createNormaliser();
    const detector = createCrisisDetector();
    for (const text of ["雪太大了，我家的羊怕是熬不过这个冬天了", "除草用什么农药好", "我先走了，明天见"]) {
      const a = detector.assess(normalise(text).text);
      expect(a.level, text).toBe("none");
      expect(a.reasons.length, text).toBeGreaterThan(0);
      for (const r of a.reasons) expect(riskReasonLabel(r), r).toMatch(/已排除/);
    }
    expect(riskReasonLabel("second-opinion:0.94")).toBe("按群众来信训练的第二模型判断高危（把握 94%）");
    // A story of despair that is over: the staff read that it was lowered, and why.
    const past = detector.assess(normalise("那年失业又离婚，整夜整夜站在阳台上，现在已经走出来了").text);
    expect(past.reasons.map(riskReasonLabel)).toContain("讲的是已经走出来的过去，已降为情绪困扰");
    // Talking someone else out of it: lowered, and the staff read why.
    const consoling = detector.assess(normalise("老弟，烧炭那条路受罪得很，你可别去").text);
    expect(consoling.reasons.map(riskReasonLabel).join(" ")).toMatch(/在劝别人别做傻事/);
  });
});
