/**
 * Where the understanding path spends its time (npx tsx bench/profile-nlu.ts): each stage alone, then each
 * stage's cost inside the whole path, measured by leaving it out. The two differ because the stages share the
 * cache with jieba: a stage's cost in the path includes what it does to the others' cut.
 */

import { createCrisisDetector } from "../intents/crisis-detector.js";
import { createEntityExtractor } from "../intents/entities.js";
import { createIntentClassifier } from "../intents/intent-classifier.js";
import { createNormaliser } from "../intents/normalise.js";
import { DEFAULT_PLACES, loadPlaces } from "../intents/places.js";
import { createSegmenter } from "../intents/segmenter.js";
import { loadTrainingSet, withDomainPhrasings, withKnowledgeExamples } from "../intents/training-set.js";
import { loadKnowledge } from "../knowledge/load.js";
import { createRetriever, loadSynonyms } from "../knowledge/retrieval.js";
import { measure, table } from "./stats.js";

const t0 = performance.now();
const segmenter = createSegmenter();
const t1 = performance.now();
const normalise = createNormaliser();
const t2 = performance.now();
const detector = createCrisisDetector();
const t3 = performance.now();
const knowledge = loadKnowledge();
// The production classifier: the team's examples, the knowledge base's phrasings and the blind domain phrasings.
const training = withDomainPhrasings(withKnowledgeExamples(loadTrainingSet(), knowledge));
const classifier = createIntentClassifier(segmenter, training, { normalise: (r) => normalise(r).text });
const t4 = performance.now();
const retriever = createRetriever(segmenter, knowledge, loadSynonyms());
const extract = createEntityExtractor(loadPlaces(DEFAULT_PLACES, segmenter.vocabulary));
const t5 = performance.now();
console.log(
  `load: jieba ${(t1 - t0).toFixed(0)} ms, normaliser ${(t2 - t1).toFixed(0)} ms, crisis ${(t3 - t2).toFixed(0)} ms, classifier ${(t4 - t3).toFixed(0)} ms, knowledge+places ${(t5 - t4).toFixed(0)} ms; rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`,
);
const texts = [...training.intents.flatMap((i) => i.examples), ...knowledge.flatMap((e) => e.questions)].map(
  (m) => normalise(m).text,
);
const cut = texts.map((t) => ({ t, w: segmenter.tokens(t) }));
const stages = [
  await measure("cut", texts, (t) => segmenter.cut(t), 20000),
  await measure("crisis", texts, (t) => detector.assess(t), 20000),
  await measure("classify", cut, (x) => classifier.classify(x.t, x.w), 20000),
  await measure("retrieve", cut, (x) => retriever.search(x.w), 20000),
  await measure("entities", cut, (x) => extract(x.t, x.w), 20000),
];
console.log(table(stages, stages[0] as (typeof stages)[number]));

// Leave one out: the whole path with and without each stage, in alternating passes, in units of one cut.
const raw = [...training.intents.flatMap((i) => i.examples), ...knowledge.flatMap((e) => e.questions)];
const noTopic = { probabilityOf: () => 0 };
const path =
  (skip: string) =>
  (m: string): void => {
    const text = skip === "normalise" ? m : normalise(m).text;
    if (skip !== "crisis") detector.assess(text);
    const tokens = segmenter.tokens(text);
    if (skip !== "entities") extract(text, tokens);
    const intent = skip === "classify" ? noTopic : classifier.classify(text, tokens);
    if (skip !== "retrieve") retriever.search(tokens, intent.probabilityOf);
  };
const variants = ["", "normalise", "crisis", "entities", "classify", "retrieve"].map((skip) => ({
  skip,
  run: path(skip),
}));
const cpuPerItem = <T>(inputs: readonly T[], fn: (x: T) => unknown): number => {
  const t = process.cpuUsage();
  for (const x of inputs) fn(x);
  const u = process.cpuUsage(t);
  return (u.user + u.system) / inputs.length;
};
const cutOnce = (t: string) => segmenter.cut(t);
const marginal = new Map<string, number[]>();
for (let pass = 0; pass < 17; pass++) {
  const order = pass % 2 === 0 ? variants : [...variants].reverse();
  const cut = cpuPerItem(texts, cutOnce);
  const times = new Map(order.map((v) => [v.skip, cpuPerItem(raw, v.run)]));
  const whole = times.get("") ?? 0;
  for (const [skip, t] of times) {
    const list = marginal.get(skip) ?? [];
    list.push((skip === "" ? t : whole - t) / cut);
    marginal.set(skip, list);
  }
}
console.log("\nin units of one cut, median of 17 alternating passes (the first two passes warm up):");
for (const [skip, list] of marginal) {
  const sorted = list.slice(2).sort((a, b) => a - b);
  const median = sorted[sorted.length >> 1] ?? 0;
  console.log(`  ${skip === "" ? "whole path" : `leaving out ${skip}`.padEnd(22)}  ${median.toFixed(2)}`);
}
