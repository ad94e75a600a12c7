/**
 * Crisis-risk detector: every citizen message passes here before anything else.
 *
 * Two parts, combined by a fixed rule (intents/crisis-combination.ts):
 * - a reviewed lexicon (intents/data/crisis-lexicon.json) that guarantees recall on known phrasings and carries the
 *   context rules keyword matching gets wrong: negation, hyperbole/idioms, third parties, news/fiction, obfuscation;
 * - a small softmax model over character n-grams (intents/linear-model.ts), trained at load time from
 *   intents/data/crisis-training.json, that catches paraphrases the lexicon lacks and grades distress vs none.
 *
 * Missing a crisis is the worst failure, so the model may raise a level (only when confident) but never lower a
 * lexicon hit; only the explicit negation / hyperbole / news rules of the lexicon can discard a hit.
 *
 * Nothing here is shown to citizens: reasons are short English codes for staff, patterns stay server-side.
 */
import {
  type CrisisThresholds,
  conceptEvidence,
  DEFAULT_THRESHOLDS,
  escalateModel,
  isReportOnly,
  modelLevel,
  raiseByModel,
  readModel,
  riskKind,
  riskScore,
  riskSubject,
} from "./crisis-combination.js";
import { CrisisModelScorer } from "./crisis-features.js";
import { CONTEMPT_GROUP, deniesLife, escalateHits, readHits } from "./crisis-hits.js";
import { type CrisisLexicon, CrisisLexiconSchema, defaultLexicon } from "./crisis-lexicon.js";
import { compiledFor } from "./crisis-lexicon-compiler.js";
import { type Prepared, prepare } from "./crisis-preparation.js";
import { LEVELS, RANK, type RiskAssessment } from "./crisis-risk.js";
import { SECOND_OPINION_HIGH, secondOpinionModel } from "./crisis-second-opinion.js";
import { defaultModel, trainCrisisModel } from "./crisis-training.js";
import { readHarmSetting } from "./harm-setting.js";
import type { LinearModel, ModelTables } from "./linear-model.js";
import { firstSet } from "./pattern-set.js";

export interface CrisisDetector {
  assess(normalisedText: string): RiskAssessment;
}

export function createCrisisDetector(
  options: {
    lexicon?: CrisisLexicon;
    model?: LinearModel;
    thresholds?: Partial<CrisisThresholds>;
    /** The citizens' model (crisis-second-opinion.ts); null for none. By default the shipped one, with the shipped lexicon. */
    secondOpinion?: ModelTables | null;
  } = {},
): CrisisDetector {
  const t: CrisisThresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
  const evidence = conceptEvidence();
  const lexicon = options.lexicon ? CrisisLexiconSchema.parse(options.lexicon) : defaultLexicon();
  const c = compiledFor(lexicon);
  const model =
    options.model?.toJSON() ?? (options.lexicon ? trainCrisisModel({ lexicon }).toJSON() : defaultModel());
  const secondTables =
    options.secondOpinion !== undefined
      ? options.secondOpinion
      : options.lexicon || options.model
        ? null
        : secondOpinionModel();
  // Both models read the same n-grams: one pass scores the second opinion beside the main model.
  const scorer = new CrisisModelScorer(model, secondTables ?? undefined);
  const probs = new Float64Array(model.labels.length);
  const secondProbs = secondTables ? new Float64Array(secondTables.labels.length) : undefined;

  return {
    assess(normalisedText: string): RiskAssessment {
      // Canonical text with neutral spans masked; the lexicon's phrases, negated ones marked.
      const prepared = prepare(c, normalisedText);
      const { reasons } = prepared;
      // The phrases in context: about whom, set aside or lowered by the explicit rules; a time, place or means
      // cue makes a high phrase imminent.
      const hits = readHits(c, prepared);
      escalateHits(c, hits, reasons);
      // The learned model may raise the level, never lower it.
      const model = readModel(scorer, probs, hits.modelText, evidence.self, secondProbs);
      const modelRank = modelLevel(model, hits, deniesGrave(prepared), t, evidence);
      let rank = raiseByModel(hits.ranks.self, modelRank, model, reasons);
      // A second reading by the model of citizens' own words, where no rule, denial or report has spoken and nothing
      // reads as a threat to others or harm done to the writer (the second model knows only the writer's own life;
      // words of contempt are no threat: 这帮畜生 sits beside despair in many letters).
      // Asked of every such message, not only those holding a word of death or leaving: the grave messages the main
      // model misses are the ones that name neither (站到黄线外面了，对不起).
      if (
        secondProbs &&
        rank < RANK.high &&
        !hits.ruled &&
        hits.reported === 0 &&
        (hits.ranks.others < RANK.distress || !hits.hostileBeyondWords) &&
        hits.ranks.harmed < RANK.distress &&
        model.harmed < 0.5 &&
        model.others < 0.5 &&
        !deniesGrave(prepared)
      ) {
        const p = secondProbs[scorer.alsoSlot.high] ?? 0;
        if (p >= SECOND_OPINION_HIGH) {
          rank = RANK.high;
          reasons.push(`second-opinion:${p.toFixed(2)}`);
        }
      }
      rank = escalateModel(c, rank, hits, model, evidence, reasons);
      // What kind of risk (which may raise the level again), about whom, how sure.
      const kinded = riskKind(rank, hits, model, t, evidence, reasons);
      const contempt =
        kinded.kind === "others" &&
        kinded.rank === RANK.distress &&
        !hits.hostileBeyondWords &&
        hits.ranks.self === 0 &&
        hits.ranks.harmed === 0 &&
        !reasons.some((r) => r.startsWith("model:") || r.startsWith("second-opinion:"));
      const harmSetting =
        kinded.kind === "harmed" && kinded.rank > RANK.none ? readHarmSetting(prepared.text) : undefined;
      return {
        level: LEVELS[kinded.rank] ?? "none",
        subject: riskSubject(c, prepared.text, kinded.kind, kinded.rank, hits),
        kind: kinded.kind,
        reportOnly: isReportOnly(hits),
        reasons,
        score: riskScore(kinded.rank, model),
        ...(contempt ? { contempt: matterBeside(prepared) ? "beside-matter" : "bare" } : {}),
        ...(harmSetting ? { harmSetting } : {}),
      };
    },
  };
}

/** A phrase of a risk to the writer's life, high or graver, was negated (从来没想过自杀, 我不会轻生的). */
function deniesGrave(p: Prepared): boolean {
  return p.hits.some((h, i) => p.negated[i] === true && h.group.kind === "self" && deniesLife(h));
}

/** Characters that carry no matter of their own: pronouns, particles, hurry words. */
const FILLER = /[你您们这那个的了吧啊呢吗呀哦嘛就是都也还又我俺他她它在给快点赶紧滚]/;

/** Anything beyond the words of contempt: two or more characters of a matter (低保, 公积金, 天气). */
function matterBeside(p: Prepared): boolean {
  let left = 0;
  const spans = p.hits.filter((h, i) => h.group.id === CONTEMPT_GROUP && !p.negated[i]);
  for (let i = 0; i < p.text.length; i++) {
    const inside = spans.some((h) => i >= h.start && i < h.end);
    if (inside) continue;
    const ch = p.text[i] as string;
    if (/[\u4e00-\u9fffa-z0-9]/.test(ch) && !FILLER.test(ch)) left++;
  }
  return left >= 2;
}

/** Internals exposed for tests only. */
export const crisisInternals = { firstSet };
