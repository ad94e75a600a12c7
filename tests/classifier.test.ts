import { describe, expect, it } from "vitest";
import { featureForm, scoreText, textFeatures } from "../intents/features.js";
import { createIntentClassifier } from "../intents/intent-classifier.js";
import { trainSoftmax } from "../intents/linear-model.js";
import { createNormaliser } from "../intents/normalise.js";
import { createSegmenter } from "../intents/segmenter.js";
import { SparseScorer } from "../intents/sparse-scorer.js";
import { loadTrainingSet, splitHoldout } from "../intents/training-set.js";

const segmenter = createSegmenter();
const normalise = createNormaliser();
const full = loadTrainingSet();
const { train, heldOut } = splitHoldout(full);
// Cut before the classifier exists, so before it added its words to the segmenter's vocabulary.
const cutEarly = heldOut.map((h) => {
  const text = normalise(h.text).text;
  return { text, tokens: segmenter.tokens(text) };
});
const classifier = createIntentClassifier(segmenter, train, { normalise: (raw) => normalise(raw).text });
const classify = (raw: string) => {
  const text = normalise(raw).text;
  return classifier.classify(text, segmenter.tokens(text));
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

  it("classifies a message the same whether it was cut before or after the classifier was built", () => {
    for (const [i, { text, tokens }] of cutEarly.entries()) {
      const early = classifier.classify(text, tokens);
      const late = classify(heldOut[i]?.text ?? "");
      expect([early.intent, early.confidence], text).toEqual([late.intent, late.confidence]);
    }
  });

  it("keeps its answers on other topics when one topic gains phrasings", () => {
    // A curator adds a handful of phrasings for grassland questions; questions about everything else must keep
    // the topic they had (a shuffled training order moves borderline ones anywhere: 20 of these 279).
    const added = [
      "草场被邻居围进他家网围栏了怎么办",
      "草原承包经营权证上的面积不对能改吗",
      "嘎查把我家的草场分给别人了",
      "禁牧区偷牧被罚款合理吗",
      "草场界线纠纷找哪个部门",
      "草畜平衡超载了会怎样处理",
      "外嫁女的草场还有没有份",
      "草场流转合同到期对方不还",
    ];
    const grown = {
      ...train,
      intents: train.intents.map((i) =>
        i.name === "grassland" ? { ...i, examples: [...i.examples, ...added] } : i,
      ),
    };
    const after = createIntentClassifier(segmenter, grown, { normalise: (raw) => normalise(raw).text });
    const others = cutEarly.filter((_, i) => heldOut[i]?.label !== "grassland");
    const moved = others.filter(
      ({ text, tokens }) => classifier.classify(text, tokens).intent !== after.classify(text, tokens).intent,
    );
    console.log(`other topics' questions that changed topic: ${moved.length}/${others.length}`);
    expect(moved.length / others.length, moved.map((m) => m.text).join("\n")).toBeLessThanOrEqual(0.005);
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

  it("scores a message exactly as the model's own predict does on the feature strings", () => {
    // What the classifier ships is the SparseScorer; predict() is the plain reading of the model.
    const prep = (raw: string) => {
      const text = normalise(raw).text;
      return { text, tokens: segmenter.tokens(text) };
    };
    const model = trainSoftmax(
      train.intents.flatMap((i) =>
        i.examples.slice(0, 10).map((raw) => {
          const p = prep(raw);
          return { features: textFeatures(p.tokens.words, p.text), label: i.name };
        }),
      ),
      { epochs: 3 },
    );
    // One scorer sharing the segmenter's vocabulary (ids used as they come), one with its own (words looked up).
    const scorers = [
      new SparseScorer(model.toJSON(), featureForm, segmenter.vocabulary),
      new SparseScorer(model.toJSON(), featureForm),
    ];
    const out = new Float64Array(model.labels.length);
    const vocab = new Set(model.toJSON().vocab);
    const texts = [
      ...heldOut.slice(0, 200).map((h) => h.text),
      "仲裁仲裁仲裁 劳动劳动",
      "完全陌生的词语组合瞿铄",
      "hello",
      "",
    ];
    for (const scorer of scorers) {
      for (const raw of texts) {
        const { text, tokens } = prep(raw);
        scoreText(scorer, tokens, text);
        const known = scorer.finish(out);
        const features = textFeatures(tokens.words, text);
        expect(known, raw).toBe(new Set(features.filter((f) => vocab.has(f))).size);
        for (const e of model.predict(features)) {
          expect(out[model.labels.indexOf(e.label)], raw).toBeCloseTo(e.probability, 9);
        }
      }
    }
  });
});
