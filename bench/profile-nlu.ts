/** Where the understanding path spends its time, stage by stage (npx tsx bench/profile-nlu.ts). */

import { createCrisisDetector } from "../intents/crisis-detector.js";
import { createEntityExtractor } from "../intents/entities.js";
import { createIntentClassifier } from "../intents/intent-classifier.js";
import { createNormaliser } from "../intents/normalise.js";
import { DEFAULT_PLACES, loadPlaces } from "../intents/places.js";
import { createSegmenter } from "../intents/segmenter.js";
import { loadTrainingSet } from "../intents/training-set.js";
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
const training = loadTrainingSet();
const classifier = createIntentClassifier(segmenter, training, { normalise: (r) => normalise(r).text });
const t4 = performance.now();
const knowledge = loadKnowledge();
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
