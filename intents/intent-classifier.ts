import { moduleText } from "../core/file-cache.js";
import { featureForm, scoreText, textFeatures } from "./features.js";
import { cachedModel, type ModelTables, type TrainOptions, trainSoftmax } from "./linear-model.js";
import { NORMALISER_VERSION } from "./normalise.js";
import type { Segmenter } from "./segmenter.js";
import { SparseScorer } from "./sparse-scorer.js";
import type { TrainingSet } from "./training-set.js";
import type { Tokens } from "./vocabulary.js";

export interface IntentResult {
  intent: string;
  confidence: number;
  /** The runner-up, for "did you mean A or B?". */
  second?: { intent: string; confidence: number };
  /** Two intents too close to call: ask the citizen which one. */
  ambiguous: boolean;
  /** Below the threshold, or no known words at all: do not act on `intent`. */
  uncertain: boolean;
  /** Probability of any label (0 for unknown labels), for combining with retrieval. */
  probabilityOf(label: string): number;
  /**
   * What probabilityOf gives for each of the classifier's `labels`, in their order: for callers that ask about
   * every label, by index rather than one map look-up each.
   */
  readonly probabilities: readonly number[];
}

export interface ClassifierOptions {
  /** Minimum probability to act on the top intent. */
  threshold?: number;
  /** If the top two are closer than this, the result is ambiguous. */
  margin?: number;
  /**
   * Folder for the trained model, keyed by a hash of the training set and these settings: training the FAQ model
   * takes about 6 s (three averaged runs over 11k examples; `npm install` does it once), loading the cached model
   * a few milliseconds, and start-up must stay under 1.5 s.
   */
  cacheDir?: string;
  /** The message normaliser, applied to training examples so they look like the messages classified later. */
  normalise?: (raw: string) => string;
  /**
   * Overrides of the training settings, for a model whose examples differ from the FAQ's (long letters rather than
   * one-line questions); left out, a model is trained and cached exactly as before.
   */
  train?: Omit<TrainOptions, "seed">;
}

/** Bump when features or training change, so that stale cached models are not reused. */
const MODEL_VERSION = "features-w-b2bmp/softmax-adagrad/e10-lr0.4-l2e-4/stable-x3";
/**
 * The examples in a stable order, three runs averaged: an entry's new phrasings used to reshuffle the whole set and
 * move the topic of unrelated borderline questions (44 of 2,415 blind questions for eight phrasings); now a handful.
 */
const TRAIN = { epochs: 10, learningRate: 0.4, l2: 1e-4, order: "stable", seeds: 3 } as const;
/** The feature code, so that a change to what the model sees retrains it (linear-model.ts keys its own code). */
const FEATURES_TEXT = moduleText("./features.js", import.meta.url);

function trainOrLoad(
  segmenter: Segmenter,
  training: TrainingSet,
  cacheDir: string | undefined,
  normalise: (raw: string) => string,
  overrides: Omit<TrainOptions, "seed"> | undefined,
): ModelTables {
  const train = () => {
    const examples = training.intents.flatMap((i) =>
      i.examples.map((raw) => {
        const text = normalise(raw);
        return { features: textFeatures(segmenter.cut(text), text), label: i.name };
      }),
    );
    return trainSoftmax(examples, { ...TRAIN, ...overrides });
  };
  if (!cacheDir) return train().toJSON();
  // The segmenter's version is in the key: a different dictionary cuts the examples, and so the features, anew.
  const key = [MODEL_VERSION, segmenter.version, NORMALISER_VERSION, FEATURES_TEXT, JSON.stringify(training)];
  // Only when given, so that models trained with the defaults keep their cached files.
  if (overrides) key.push(JSON.stringify(overrides));
  return cachedModel("intent-model", key, train, cacheDir);
}

export interface IntentClassifier {
  readonly version: string;
  readonly labels: readonly string[];
  /** `tokens` is the segmenter's output for `text`, cut once per message by the caller. */
  classify(text: string, tokens: Tokens): IntentResult;
}

export function createIntentClassifier(
  segmenter: Segmenter,
  training: TrainingSet,
  {
    threshold = 0.4,
    margin = 0.12,
    cacheDir,
    normalise = (s) => s.toLowerCase(),
    train,
  }: ClassifierOptions = {},
): IntentClassifier {
  const model = trainOrLoad(segmenter, training, cacheDir, normalise, train);
  const labelIndex = new Map(model.labels.map((l, i) => [l, i]));
  const scorer = new SparseScorer(model, featureForm, segmenter.vocabulary);
  const probabilities = new Float64Array(model.labels.length);
  const noProbabilities: readonly number[] = Object.freeze(new Array<number>(model.labels.length).fill(0));
  return {
    version: training.version,
    labels: model.labels,
    classify(text, tokens) {
      scoreText(scorer, tokens, text);
      const known = scorer.finish(probabilities);
      let top = 0;
      let second = -1;
      for (let j = 1; j < probabilities.length; j++) {
        if ((probabilities[j] ?? 0) > (probabilities[top] ?? 0)) {
          second = top;
          top = j;
        } else if (second < 0 || (probabilities[j] ?? 0) > (probabilities[second] ?? 0)) second = j;
      }
      const unknown = known === 0;
      // A plain array: the result outlives this call, and a typed-array copy costs more to allocate.
      const p: number[] = new Array(probabilities.length);
      for (let j = 0; j < probabilities.length; j++) p[j] = probabilities[j] ?? 0;
      const topP = p[top] ?? 0;
      const secondP = second >= 0 ? (p[second] ?? 0) : 0;
      return {
        probabilityOf: (label: string) => {
          // Knowledge topics without an intent of their own are asked for too: 0, without indexing at -1.
          const i = labelIndex.get(label);
          return unknown || i === undefined ? 0 : (p[i] ?? 0);
        },
        intent: unknown ? "out_of_scope" : (model.labels[top] ?? "out_of_scope"),
        confidence: unknown ? 0 : topP,
        probabilities: unknown ? noProbabilities : p,
        second: second >= 0 ? { intent: model.labels[second] ?? "", confidence: secondP } : undefined,
        ambiguous: !unknown && second >= 0 && topP - secondP < margin,
        uncertain: unknown || topP < threshold,
      };
    },
  };
}
