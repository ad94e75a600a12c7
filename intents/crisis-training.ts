/**
 * Training the crisis model on lexicon-prepared text, and the default model, cached on disk under a hash of
 * everything that shapes it (the code of the stages below, the lexicon, the training set), so it cannot drift from
 * the lexicon, and start-up skips about 200 ms of training.
 */
import { existsSync } from "node:fs";
import { fileText, moduleText } from "../core/file-cache.js";
import { CORPUS_PATHS, type CorpusExample, loadCrisisCorpus, loadHandWritten } from "./crisis-corpus.js";
import { crisisFeatures } from "./crisis-features.js";
import { type CrisisLexicon, DEFAULT_LEXICON_PATH, defaultLexicon } from "./crisis-lexicon.js";
import { compiledFor } from "./crisis-lexicon-compiler.js";
import { prepare } from "./crisis-preparation.js";
import { cachedModel, type LinearModel, type ModelTables, trainSoftmax } from "./linear-model.js";
import { createNormaliser, NORMALISER_VERSION } from "./normalise.js";

/** The hand-written part of the corpus (kept for tests that train a quick model on a slice of it). */
export function loadCrisisTraining(): { examples: CorpusExample[] } {
  return { examples: loadHandWritten() };
}

/**
 * Trains on lexicon-prepared text (masks and negations applied, as assess() sees it), so a weights file cannot
 * drift from the lexicon; the default model is cached on disk under a hash of every input. Training texts go through
 * the same normaliser as citizens' messages: the PsySUICIDE rows carry full-width punctuation and the odd
 * traditional character. Deterministic (seeded shuffling).
 */
export function trainCrisisModel(
  options: { lexicon?: CrisisLexicon; examples?: readonly { text: string; label: string }[] } = {},
): LinearModel {
  return trainSoftmax(preparedExamples(options.examples ?? loadCrisisCorpus(), options.lexicon), {
    epochs: EPOCHS,
    learningRate: 0.5,
    l2: L2,
    seed: 7,
  });
}

/** Labelled texts as a crisis model sees them: normalised, prepared with the lexicon, as features. */
export function preparedExamples(
  rows: readonly { text: string; label: string }[],
  lexicon: CrisisLexicon = defaultLexicon(),
): { features: string[]; label: string }[] {
  const c = compiledFor(lexicon);
  const normalise = createNormaliser();
  return rows.map((e) => ({
    features: crisisFeatures(prepare(c, normalise(e.text).text).modelText),
    label: e.label,
  }));
}

const EPOCHS = 12;
const L2 = 1e-5;

/** Every module whose code shapes the default model's input, features or training. */
const MODEL_MODULES = [
  "./crisis-canonicaliser.js",
  "./crisis-lexicon.js",
  "./crisis-lexicon-compiler.js",
  "./crisis-preparation.js",
  "./crisis-features.js",
  "./crisis-training.js",
  "./crisis-corpus.js",
  "./crisis-concepts.js",
];

let cachedTables: ModelTables | undefined;
/** The model trained on the whole corpus with the reviewed lexicon, from the disk cache when it is there. */
export const defaultModel = (): ModelTables => {
  cachedTables ??= cachedModel(
    "crisis-model",
    [
      ...MODEL_MODULES.map((m) => moduleText(m, import.meta.url)),
      NORMALISER_VERSION,
      fileText(DEFAULT_LEXICON_PATH),
      ...CORPUS_PATHS.map((p) => (existsSync(p) ? fileText(p) : "")),
    ],
    () => trainCrisisModel({ lexicon: defaultLexicon() }),
  );
  return cachedTables;
};
