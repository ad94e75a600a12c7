import type { ArticleSearch } from "../knowledge/article-search.js";
import type { Domains } from "../knowledge/domains.js";
import type { RetrievalHit, Retriever } from "../knowledge/retrieval.js";
import type { Article } from "../knowledge/statutes.js";
import { asksWhatLawAllows, type ComplaintReading, readComplaint } from "./complaint-recognizer.js";
import type { CrisisDetector } from "./crisis-detector.js";
import { isCrisis, type RiskAssessment } from "./crisis-risk.js";
import type { Entities, EntityExtractor } from "./entities.js";
import type { IntentClassifier, IntentResult } from "./intent-classifier.js";
import type { Normalised, Normaliser } from "./normalise.js";
import { readOfficeQuestion } from "./office-question.js";
import type { Segmenter } from "./segmenter.js";
import { META_INTENTS } from "./training-set.js";
import { isVagueQuestion } from "./vague-question.js";
import type { Tokens } from "./vocabulary.js";

export interface Understanding {
  normalised: Normalised;
  words: readonly string[];
  risk: RiskAssessment;
  /** Whether the message reads as a 诉求 (a letter about a matter, asking for something to be done). */
  complaint: ComplaintReading;
  /** False for Mongolian script or mostly non-Chinese text: we must say so rather than guess. */
  readable: boolean;
  intent: IntentResult;
  entities: Entities;
  hits: RetrievalHit[];
  /** The entry to answer with, when retrieval and the classifier agree well enough to answer confidently. */
  answer?: RetrievalHit;
  answerConfidence: number;
  /** The knowledge domain the question belongs to, when the classifier is sure enough of one. */
  domain?: string;
  /**
   * A question in a domain we know that no entry fits: where to go and the most relevant articles, shown as
   * related law, not as a tailored answer.
   */
  referral?: { domain: string; articles: Article[] };
  /** Entries close enough to offer as "did you mean": empty rather than unrelated. */
  suggestions: RetrievalHit[];
  /** Only the words of asking (在哪申请, 要带什么材料): no matter named, nothing answered or referred. */
  vague?: true;
  /** Asks how to reach an office (民政局电话多少): its kind in the dispatch catalogue; nothing answered or referred. */
  office?: { kind: string };
}

export interface Nlu {
  understand(raw: string): Understanding;
  /** Builds what the first referral card would otherwise wait for (the statute index). */
  warm(): void;
}

export interface NluParts {
  normalise: Normaliser;
  segmenter: Segmenter;
  detector: CrisisDetector;
  classifier: IntentClassifier;
  retriever: Retriever;
  extractEntities: EntityExtractor;
  /** The knowledge domains and the statute search behind referral cards; without them, no referrals. */
  domains?: Domains;
  articles?: ArticleSearch;
}

/** Below this the bot says it is not sure instead of answering (tuned on the held-out phrasings, see README). */
export const ANSWER_THRESHOLD = 0.5;
const META = new Set<string>(META_INTENTS);
/**
 * An entry answers only inside its own domain: its topic must be the classifier's first choice, or nearly as
 * likely (this share of the first choice's probability). 低保 never gets the mental-health entry.
 */
export const DOMAIN_GATE = 0.6;
/** Below this the question's domain is not known well enough to refer it. */
export const REFERRAL_CONFIDENCE = 0.35;
/** A story of at least this many words, whose domain may be read from its lead over the others. */
const LONG_STORY = 30;
const LONG_REFERRAL_CONFIDENCE = 0.15;
const CLEAR_LEAD = 1.8;
/** Suggestions must cover this share of the question and sit in a plausible domain; otherwise none are offered. */
const SUGGESTION_COVERAGE = 0.35;
const SUGGESTION_TOPIC = 0.15;
/** A referral's articles must match at least this well (BM25 over bigrams), so a stray article is left out. */
const ARTICLE_FLOOR = 6;

export function isReadable(n: Normalised): boolean {
  if (n.hasMongolian) return false;
  return n.letters < 4 || n.cjkRatio >= 0.3;
}

/** Retrieval reads only the entries of the classifier's likeliest domains: the others could not answer anyway. */
const SHORTLIST = 8;

function likeliestDomains(
  intent: IntentResult,
  /** Per domain, its index among the classifier's labels (-1: none, probability 0). */
  labelOf: Int32Array,
  /** Per domain, its retrieval topic number. */
  topicOf: Int32Array,
  k: number,
  /** Where the kept domains' topic numbers go, and scratch for their probabilities; both k long. */
  kept: Int32Array,
  ps: Float64Array,
): Int32Array {
  let count = 0;
  const probabilities = intent.probabilities;
  for (let i = 0; i < labelOf.length; i++) {
    const label = labelOf[i] as number;
    const p = label >= 0 ? (probabilities[label] ?? 0) : 0;
    if (count === k && p <= (ps[k - 1] as number)) continue;
    let at = count < k ? count++ : k - 1;
    for (; at > 0 && p > (ps[at - 1] as number); at--) {
      kept[at] = kept[at - 1] as number;
      ps[at] = ps[at - 1] as number;
    }
    kept[at] = topicOf[i] as number;
    ps[at] = p;
  }
  return count === k ? kept : kept.subarray(0, count);
}

/** How much the best-covering entries of a domain add to the classifier's belief in it. */
const RETRIEVAL_WEIGHT = 0.5;
/** How much a term naming the domain's matter (工伤, 宅基地) adds; shared by every domain whose terms occur. */
const TERM_WEIGHT = 0.15;

/**
 * The question's domain: the classifier's belief in each candidate plus how well that domain's entries cover the
 * question. Colloquial questions spread the classifier thin over forty domains; an entry that covers most of the
 * question's words is evidence the classifier alone misses.
 */
function questionDomain(
  intent: IntentResult,
  hits: readonly RetrievalHit[],
  domains: Domains | undefined,
  /** The question is a story of many words (see LONG_STORY). */
  long: boolean,
  /** Domains whose terms the question uses (Domains.termsIn). */
  named: readonly string[] = [],
): string | undefined {
  // The classifier's first choice is "not a legal question": no retrieval overlap overrules it (吃点啥 shares words
  // with entries about eating and sleeping badly).
  if (!domains || intent.intent === "out_of_scope") return undefined;
  let best: string | undefined;
  let bestScore = 0;
  // The candidates, each once, in this order: the classifier's first and second choice, the hits' topics, then the
  // domains whose terms the question uses.
  // Loops over the few hits rather than a set and filtered copies: this runs for every message.
  const second = intent.second?.intent;
  const end = hits.length + named.length;
  for (let c = -2; c < end; c++) {
    const d =
      c === -2
        ? intent.intent
        : c === -1
          ? second
          : c < hits.length
            ? (hits[c] as RetrievalHit).entry.topic
            : named[c - hits.length];
    if (d === undefined || (c >= -1 && d === intent.intent) || (c >= 0 && d === second)) continue;
    let seen = false;
    for (let k = 0; k < c && k < hits.length && !seen; k++)
      seen = (hits[k] as RetrievalHit).entry.topic === d;
    for (let k = hits.length; k < c && !seen; k++) seen = named[k - hits.length] === d;
    if (seen || META.has(d) || !domains.get(d)) continue;
    let coverage = 0;
    for (const h of hits) if (h.entry.topic === d && h.coverage > coverage) coverage = h.coverage;
    const score =
      intent.probabilityOf(d) + RETRIEVAL_WEIGHT * coverage + (named.includes(d) ? TERM_WEIGHT : 0);
    if (score > bestScore) {
      best = d;
      bestScore = score;
    }
  }
  // Not sure enough of any domain, or more sure it is no legal question at all.
  if (intent.probabilityOf("out_of_scope") >= bestScore) return undefined;
  if (bestScore >= REFERRAL_CONFIDENCE) return best;
  // A long story spreads the classifier thin over forty domains: one that stands well clear of the rest is still
  // the story's domain, though no single probability is high.
  const runnerUp = intent.second?.confidence ?? 0;
  if (
    long &&
    best === intent.intent &&
    bestScore >= LONG_REFERRAL_CONFIDENCE &&
    intent.confidence >= CLEAR_LEAD * runnerUp
  )
    return best;
  return undefined;
}

function withoutPlaces(tokens: Tokens, places: readonly { matched: string }[]): Tokens {
  const keep: number[] = [];
  tokens.words.forEach((w, i) => {
    if (!places.some((p) => p.matched.includes(w) && (w.length >= 2 || w === p.matched))) keep.push(i);
  });
  return {
    words: keep.map((i) => tokens.words[i] as string),
    ids: Int32Array.from(keep, (i) => tokens.ids[i] as number),
    vocabulary: tokens.vocabulary,
    size: tokens.size,
  };
}

export function createNlu(parts: NluParts): Nlu {
  const { normalise, segmenter, detector, classifier, retriever, extractEntities } = parts;
  const domainIds = (parts.domains?.list ?? []).map((d) => d.id);
  const domainLabels = Int32Array.from(domainIds, (id) => classifier.labels.indexOf(id));
  const domainTopics = Int32Array.from(domainIds, (id) => retriever.topicNumber(id));
  const shortlist = new Int32Array(SHORTLIST);
  const shortlistP = new Float64Array(SHORTLIST);
  return {
    warm() {
      parts.articles?.warm();
    },
    understand(raw) {
      const normalised = normalise(raw);
      // Crisis first: graded on every message, whatever else happens to it.
      const risk = detector.assess(normalised.text);
      // A person at risk gets the crisis reply and nothing from the knowledge base: no answer, referral card or
      // "did you mean" is even looked up (news about strangers is no risk to the writer and is answered as usual).
      const atRisk = isCrisis(risk.level) && !risk.reportOnly;
      const readable = isReadable(normalised);
      const complaint = readComplaint(normalised.text);
      const tokens = segmenter.tokens(normalised.text);
      const words = tokens.words;
      const entities = extractEntities(normalised.text, tokens);
      // The place a citizen names says where, not what: it must neither dilute the classifier nor count against
      // how well an entry covers the question (「我是准格尔旗的，低保怎么申请」 is the 低保 question).
      const matterTokens = entities.places.length > 0 ? withoutPlaces(tokens, entities.places) : tokens;
      const matterText =
        entities.places.length > 0
          ? entities.places.reduce((t, p) => t.replace(p.matched, " "), normalised.text)
          : normalised.text;
      const intent = classifier.classify(matterText, matterTokens);
      // A confident greeting, thanks or command needs no search of the knowledge base.
      const metaIntent = META.has(intent.intent) && !intent.uncertain && intent.intent !== "out_of_scope";
      const hits =
        readable && !metaIntent && !atRisk
          ? retriever.search(
              matterTokens,
              intent.probabilityOf,
              5,
              parts.domains
                ? likeliestDomains(intent, domainLabels, domainTopics, SHORTLIST, shortlist, shortlistP)
                : undefined,
            )
          : [];
      const topP = intent.confidence;
      const inDomain = (h: RetrievalHit) =>
        h.entry.topic === intent.intent || intent.probabilityOf(h.entry.topic) >= DOMAIN_GATE * topP;
      // An entry about one group of people answers only a question that names that group, and one about children
      // of an age only a question that states no age outside it.
      const age = entities.childAge;
      const fits = (h: RetrievalHit) =>
        (h.entry.requires === undefined || h.entry.requires.some((w) => normalised.text.includes(w))) &&
        (age === undefined ||
          h.entry.childAge === undefined ||
          (age >= (h.entry.childAge.from ?? 0) &&
            age < (h.entry.childAge.under ?? Number.POSITIVE_INFINITY)));
      const usable = hits.some((h) => !fits(h)) ? hits.filter(fits) : hits;
      // A stated age picks, among entries for children of an age, the one whose band holds it (the others were
      // left out above): 八个月的孩子 is asked about the under-two rule, however the rest of the words match.
      const best =
        (age !== undefined ? usable.find((h) => h.entry.childAge !== undefined && inDomain(h)) : undefined) ??
        usable.find(inDomain) ??
        usable[0];
      const answerConfidence = best ? 0.5 * best.coverage + 0.5 * intent.probabilityOf(best.entry.topic) : 0;
      const vague = !metaIntent && isVagueQuestion(matterText);
      const office =
        readable && !metaIntent && !atRisk && !vague ? readOfficeQuestion(matterText) : undefined;
      const answerable =
        best !== undefined &&
        !metaIntent &&
        !vague &&
        !office &&
        inDomain(best) &&
        answerConfidence >= ANSWER_THRESHOLD;
      const domain =
        readable && !metaIntent && !atRisk && !vague && !office
          ? questionDomain(
              intent,
              hits,
              parts.domains,
              words.length >= LONG_STORY,
              // Terms tip the choice of domain only for a question asking what the law allows: they do not make a
              // legal question of a murder-mystery game called 《遗产》 or of how to say 工伤 in English.
              asksWhatLawAllows(normalised.text) ? parts.domains?.termsIn(matterText) : undefined,
            )
          : undefined;
      let referral: Understanding["referral"];
      if (!answerable && domain && parts.articles) {
        const laws = parts.domains?.get(domain)?.laws ?? [];
        const articles = parts.articles
          .search(
            words.filter((w) => w.length >= 2),
            { laws, limit: 3 },
          )
          .filter((h) => h.score >= ARTICLE_FLOOR)
          .map((h) => h.article);
        referral = { domain, articles };
      }
      const suggestions =
        answerable || vague || office
          ? []
          : usable.filter(
              (h) =>
                h.coverage >= SUGGESTION_COVERAGE && intent.probabilityOf(h.entry.topic) >= SUGGESTION_TOPIC,
            );
      return {
        normalised,
        words,
        risk,
        complaint,
        readable,
        intent,
        entities,
        hits,
        answer: answerable ? best : undefined,
        answerConfidence,
        ...(domain ? { domain } : {}),
        ...(referral ? { referral } : {}),
        suggestions,
        ...(vague ? { vague: true as const } : {}),
        ...(office ? { office } : {}),
      };
    },
  };
}
