import { describe, expect, it } from "vitest";
import { textFeatures } from "../intents/features.js";
import { createIntentClassifier } from "../intents/intent-classifier.js";
import { createNormaliser } from "../intents/normalise.js";
import { createSegmenter } from "../intents/segmenter.js";
import { loadTrainingSet, splitHoldout } from "../intents/training-set.js";

const segmenter = createSegmenter();
const normalise = createNormaliser();
const full = loadTrainingSet();
const { train, heldOut } = splitHoldout(full);
const classifier = createIntentClassifier(segmenter, train, { normalise: (raw) => normalise(raw).text });
const classify = (raw: string) => {
  const text = normalise(raw).text;
  return classifier.classify(text, segmenter.cut(text));
};

describe("intent classifier", () => {
  it("covers at least 25 intents with at least 40 examples each", () => {
    expect(full.intents.length).toBeGreaterThanOrEqual(25);
    for (const i of full.intents) expect(i.examples.length, i.name).toBeGreaterThanOrEqual(40);
  });

  it("classifies held-out phrasings it never trained on", () => {
    let right = 0;
    let confidentWrong = 0;
    for (const { text, label } of heldOut) {
      const r = classify(text);
      if (r.intent === label) right++;
      else if (!r.uncertain && !r.ambiguous) confidentWrong++;
    }
    const accuracy = right / heldOut.length;
    console.log(
      `held-out accuracy ${(accuracy * 100).toFixed(1)}% (${right}/${heldOut.length}); confident and wrong: ${confidentWrong}`,
    );
    expect(accuracy).toBeGreaterThan(0.75);
  });

  it("does not give an unrelated question a confident topic intent", () => {
    for (const text of [
      "明天呼和浩特天气怎么样",
      "帮我写一段python代码",
      "周杰伦的新歌好听吗",
      "asdfghjkl",
    ]) {
      const r = classify(text);
      const confidentTopic = !r.uncertain && r.intent !== "out_of_scope" && r.confidence > 0.7;
      expect(confidentTopic, `${text} -> ${r.intent} ${r.confidence}`).toBe(false);
    }
  });

  it("features include words and character bigrams so typos still share evidence", () => {
    const f = textFeatures(["劳懂", "仲裁"], "劳懂仲裁");
    expect(f).toContain("w:仲裁");
    expect(f).toContain("b:仲裁");
    expect(f).toContain("b:劳懂");
  });
});
