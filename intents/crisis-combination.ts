/**
 * The combination rule: how the learned model's probabilities join the lexicon's reading. The model may raise a
 * level (only when confident) but never lower a lexicon hit; after an explicit rule fired (negation, report, past)
 * and nothing high is left, it may raise to distress at most.
 */
import type { ConceptPair, ConceptReading } from "./crisis-concepts.js";
import { type CrisisModelScorer, conceptReader } from "./crisis-features.js";
import { type LexiconReading, mentionKind, mentionsOf } from "./crisis-hits.js";
import type { Compiled } from "./crisis-lexicon-compiler.js";
import { LEVELS, RANK, type RiskKind } from "./crisis-risk.js";
import { writerInDialect } from "./dialect-writer.js";

/** Model alone: none → distress when P(distress or worse) reaches this. */
const MODEL_DISTRESS = 0.75;
/** Model raising a lexicon distress to high: P(high or imminent) must reach this. */
const MODEL_HIGH_OVER_DISTRESS = 0.75;
/** Model raising to high with no lexicon signal at all: stricter. */
const MODEL_HIGH_ALONE = 0.8;
/** Model raising to high when concept pairs in one sentence support it (see SELF_EVIDENCE_PAIRS). */
const MODEL_HIGH_WITH_CONCEPTS = 0.2;
/**
 * A sentence that joins concepts backing a risk to life, read on its own, backs a high reading when the model is
 * this sure of it: a long letter's one grave sentence is otherwise diluted by the rest (a bag of bigrams). At 0.8
 * a complaint letter went to the emergency path; at 0.9 none of the everyday sets moved.
 */
const SENTENCE_HIGH = 0.9;
/** Model alone reading a threat to others (high, a case of its own kind). */
const MODEL_OTHERS = 0.6;
/** Model alone reading a threat with no violence word or weapon in the text: stricter. */
const STRONG_THREAT = 0.85;
/** Model alone reading harm done to the writer (distress with a safety reply). */
const MODEL_HARMED = 0.5;
/** Model sure of harm done to the writer, with the danger present (he is outside with a knife): high. */
const HARMED_NOW = 0.85;
/** The danger is here and now: a cry for help, an act under way, someone outside the door or looking for the writer. */
const DANGER_NOW = new RegExp(
  writerInDialect(
    `救命|救救我|救我|求救|传销窝点|不让(?:我们?)?走|(?:有人|晚上也有人)(?:守门|看着|守着)|被看着|(?:身份证|手机)[^，。？]{0,4}(?:都)?被(?:收|扣|没收)|撬锁|撬门|(?:都|全)是血|泼了|在(?:我)?家?楼下|(?:还)?在楼道|知道(?:她|他|我|孩子)在哪(?:上学|上班|住)|敲门|砸门|在(?:我)?家门口|(?:今晚|今天|明天|待会儿?|等会儿?|回来)[^，。？]{0,6}(?:还没完|让我好看|接着(?:来|打)|收拾我)|还要接着(?:来|打)|(?<!从小就?|小时候|以前)被[^，。？]{0,6}关在|快来人|正在|现在|刚才|刚刚|还在|在外面|在门外|在楼下|在找我|堵我|躲在|不让我下|关着|锁在|锁着|流血|起不来|偷偷|快来(?=[，。？]|$)|在院子里|在门口|踹门|门快|关在[^，。？]{0,6}(?:[几两三四五六七八九十]+天|好几天)|困在|出不去|看得很紧|(?:知道|找到)(?:了)?我家|(?:家)?地址(?:都)?(?:发|贴|公布)(?:出来|出去|了)|警察还没到|报(?:了)?警[^，。？]{0,4}(?:就|要)|下了(?:东西|药)|(?:怀孕|怀着)|[0-9一二三四五六七八九十]+岁|吊起来打|天天挨打|身上没(?:有)?一块好|(?:有|拿|拎|提)(?:着)?(?:刀|棍|斧)|划(?:花|伤|了)我|进我(?:屋|房间)|(?:就|要)(?:杀了|弄死|打死|砍死|杀死)(?:我(?!家|们家)|我妈|我爸|孩子|我们(?!家))|跑不掉|不放我|逃不出|骗到|缝了|骨折|(?:腿|胳膊|肋骨|手)(?:好像|可能|被打)?(?:断|折)了|吐血|头(?:按|摁)在水|扣(?:了)?[^，。？]{0,4}身份证|拖(?:到|进)[^，。？]{0,4}(?:沟|屋|车)|(?:每天|天天)(?:都)?打我|不(?:拍|给钱)就发|烫我|(?<!从小就?|小时候|以前)把我关在一个?(?:屋|房间)|来我(?:屋|房间)|锁门[^。？]{0,4}(?:也)?有钥匙|听不见了|(?:脸|眼睛?|头)(?:都)?(?:肿|破|流血)|(?:打|掐|踹|砸)(?:得|到)?(?:住院|昏|晕)|强奸|性侵|猥亵|摸我|堵在|泼(?:我)?(?:硫酸|汽油)|烧了我家|下一个(?:就)?是我|第[二三四五六七八九十几]+(?:回|次)|每次都|带刀|我才(?:1[0-7]|[十][一二三四五六七]?)`,
  ),
);

/** Where the learned model's probabilities turn into levels and kinds; see the constants above. */
export interface CrisisThresholds {
  distress: number;
  highOverDistress: number;
  highAlone: number;
  others: number;
  harmed: number;
  /** Model raising to high when the sentence also joins death, leaving or means with a wish, time or act. */
  highWithConcepts: number;
}

export const DEFAULT_THRESHOLDS: Readonly<CrisisThresholds> = {
  distress: MODEL_DISTRESS,
  highOverDistress: MODEL_HIGH_OVER_DISTRESS,
  highAlone: MODEL_HIGH_ALONE,
  others: MODEL_OTHERS,
  harmed: MODEL_HARMED,
  highWithConcepts: MODEL_HIGH_WITH_CONCEPTS,
};

/** Concept pairs that back the model's reading of a risk to the writer's life. */
const SELF_EVIDENCE_PAIRS: readonly ConceptPair[] = [
  "death+wish",
  "death+time",
  "death+means",
  "death+act",
  "death+join",
  "death+endure",
  "wish+leave",
  "wish+join",
  "time+leave",
  "time+join",
  "means+act",
  "means+leave",
  "act+leave",
  "endure+leave",
  "endure+join",
  "death+seek",
  "means+seek",
];

/** Masks over a concept reading: what backs a risk to the writer's life, a threat, an imminent act. */
export interface ConceptEvidence {
  self: number;
  violence: number;
  /** Death or violence: what a reading of hostility needs in the text. */
  hostile: number;
  /** Victim or violence: what a reading of harm done to the writer needs unless the model is very sure. */
  harm: number;
  /** What a very sure reading of a threat needs in the text when it names no violence: death alone is not enough (他死了 is grief). */
  threat: number;
  imminent: number;
  /** Death, leaving, joining the dead or not enduring: a risk to life the text still holds after its denials. */
  life: number;
  /** What a message needs for the model's lean to high, short of its threshold, to notice it as distress. */
  noticeable: number;
}

export function conceptEvidence(): ConceptEvidence {
  const reader = conceptReader();
  return {
    self: reader.maskOf(SELF_EVIDENCE_PAIRS),
    violence: reader.conceptMask(["violence"]),
    hostile: reader.conceptMask(["death", "violence"]),
    harm: reader.conceptMask(["victim", "violence"]),
    threat: reader.conceptMask(["violence", "means", "act", "time", "leave", "join", "wish", "victim"]),
    imminent: reader.maskOf(["means+act", "act+leave", "time+means", "time+leave"]),
    life: reader.conceptMask(["death", "leave", "join", "endure"]),
    noticeable: reader.conceptMask([
      "death",
      "leave",
      "join",
      "endure",
      "means",
      "violence",
      "victim",
      "seek",
    ]),
  };
}

/** What the learned model reads in the (masked) text. */
export interface ModelReading {
  /** P(high or imminent). */
  high: number;
  /** P(imminent); P(high or imminent) when the model has no imminent label. */
  imminent: number;
  /** Distress or worse about the writer's own life: what is left once nothing, a threat and harm are taken out. */
  distressUp: number;
  /** P(a threat to others). */
  others: number;
  /** P(harm done to the writer). */
  harmed: number;
  /** P(high or imminent) of the likeliest sentence that joins concepts backing a risk to life, read on its own. */
  sentenceHigh: number;
  concepts: ConceptReading;
}

/** P(high or imminent) as the concept-backed reading weighs it: the whole text, or its surest grave sentence. */
const backedHigh = (m: ModelReading): number =>
  Math.max(m.high, m.sentenceHigh >= SENTENCE_HIGH ? m.sentenceHigh : 0);

/** Scores the model's input; `probs` is the scorer's reused output buffer. */
export function readModel(
  scorer: CrisisModelScorer,
  probs: Float64Array,
  modelText: string,
  selfPairs = 0,
  /** Filled with the scorer's second model's reading of the whole text, when it has one. */
  alsoProbs?: Float64Array,
): ModelReading {
  const slot = scorer.slot;
  const reader = conceptReader();
  const concepts = reader.read(modelText);
  let sentenceHigh = 0;
  for (const s of concepts.sentences ?? []) {
    if ((s.pairs & selfPairs) === 0) continue;
    const sentence = modelText.slice(s.start, s.end);
    scorer.score(sentence, probs, reader.read(sentence).features);
    const h = (probs[slot.high] ?? 0) + (slot.imminent >= 0 ? (probs[slot.imminent] ?? 0) : 0);
    if (h > sentenceHigh) sentenceHigh = h;
  }
  scorer.score(modelText, probs, concepts.features, alsoProbs);
  const pNone = probs[slot.none] ?? 0;
  const others = slot.others >= 0 ? (probs[slot.others] ?? 0) : 0;
  const harmed = slot.harmed >= 0 ? (probs[slot.harmed] ?? 0) : 0;
  const high = (probs[slot.high] ?? 0) + (slot.imminent >= 0 ? (probs[slot.imminent] ?? 0) : 0);
  return {
    high,
    imminent: slot.imminent >= 0 ? (probs[slot.imminent] ?? 0) : high,
    distressUp: 1 - pNone - others - harmed,
    others,
    harmed,
    sentenceHigh,
    concepts,
  };
}

/** Only news or fiction about strangers: nothing high about the writer or from the writer is left. */
export const isReportOnly = (hits: LexiconReading): boolean =>
  hits.reported > 0 && hits.ranks.self < RANK.high && hits.ranks.others < RANK.high;

/**
 * The level the model alone supports, capped where an explicit rule fired: at distress when nothing high is
 * left, and at none for a denial and nothing else (我没想过要结束生命, an answer to a counselor's question).
 */
export function modelLevel(
  m: ModelReading,
  hits: LexiconReading,
  denied: boolean,
  t: CrisisThresholds,
  evidence: ConceptEvidence,
): number {
  let rank = 0;
  if (
    m.high >= (hits.ranks.self >= RANK.distress ? t.highOverDistress : t.highAlone) ||
    // Death joined with a wish backs a risk to the writer's life unless the lexicon read the death as wished on
    // someone else (希望他去死).
    (backedHigh(m) >= t.highWithConcepts &&
      (m.concepts.pairs & evidence.self) !== 0 &&
      hits.ranks.others < RANK.distress)
  )
    rank = RANK.high;
  // The model leaning to high but short of raising it still notices the message (我死了是不是一种解脱), when the
  // text holds something of a risk: it leaned so on 大雁把刚出苗的麦子都吃了 and on wages never paid.
  else if (m.distressUp >= t.distress || (m.high >= 0.5 && (m.concepts.concepts & evidence.noticeable) !== 0))
    rank = RANK.distress;
  if (hits.ruled && hits.ranks.self < RANK.high) rank = Math.min(rank, RANK.distress);
  // A denied grave phrase (我从没想过自杀) silences the model only when nothing else in the text speaks of ending
  // a life: a denial of 痛苦 or 孤独 says nothing about 很快的死掉 beside it.
  if (denied && hits.reported === 0 && !hits.counted && (m.concepts.concepts & evidence.life) === 0) rank = 0;
  return rank;
}

/** The lexicon's level for the writer's own life, raised to the model's when that is graver. */
export function raiseByModel(lexRank: number, modelRank: number, m: ModelReading, reasons: string[]): number {
  if (modelRank > lexRank) {
    reasons.push(
      `model:${LEVELS[modelRank]}:${(modelRank === RANK.high ? backedHigh(m) : m.distressUp).toFixed(2)}`,
    );
    return modelRank;
  }
  if (m.distressUp >= 0.5)
    reasons.push(
      `model:${m.high >= 0.5 ? "high" : "distress"}:${(m.high >= 0.5 ? m.high : m.distressUp).toFixed(2)}`,
    );
  return lexRank;
}

/**
 * The model's high with a time, place or means cue reads as imminent, as a lexicon hit would; so does any high
 * whose sentence joins means with an act under way, or a time with means or leaving (药已经倒好了).
 */
export function escalateModel(
  c: Compiled,
  rank: number,
  hits: LexiconReading,
  m: ModelReading,
  evidence: ConceptEvidence,
  reasons: string[],
): number {
  if (rank !== RANK.high) return rank;
  const esc = hits.ranks.self < RANK.high ? c.escalation.exec(hits.modelText) : null;
  if (esc) {
    reasons.push(`escalated:${esc[0]}`);
    return RANK.imminent;
  }
  if ((m.concepts.pairs & evidence.imminent) !== 0) {
    reasons.push("escalated:concepts");
    return RANK.imminent;
  }
  return rank;
}

/**
 * Kind: a threat to others first (110 first, its own case), even beside a wish to die; then the writer's own life
 * when a lexicon phrase or the model says high; then harm done to the writer. The level rises with the kind.
 */
export function riskKind(
  rank: number,
  hits: LexiconReading,
  m: ModelReading,
  t: CrisisThresholds,
  evidence: ConceptEvidence,
  reasons: string[],
): { kind: RiskKind; rank: number } {
  // The model alone reads a threat where the text names violence or a weapon (摔死人了 is an accident), or, when very
  // sure, where it names death, means, an act, a time, a wish or a grievance (再逼我…); with none of them it read a question
  // about who pays for the parents' care as a threat.
  // With violence named, a grave reading split between a threat and the writer's own life (刀他 今晚就去: others
  // 0.58, imminent 0.41) is a threat when it leans to others.
  const graveLeaningOthers = m.others >= m.high && m.others + m.high >= t.highAlone;
  // The lexicon reading the writer in danger now (他把我锁在屋里，拿着菜刀) keeps the model's lone threat out: the
  // violence in the text is done to the writer.
  const modelThreat =
    !hits.ruled &&
    hits.ranks.harmed < RANK.high &&
    (((m.others >= t.others || graveLeaningOthers) && (m.concepts.concepts & evidence.violence) !== 0) ||
      (m.others >= STRONG_THREAT &&
        // Words of contempt (那个畜生) are no reading of a threat: the model's sure one still stands beside them.
        (hits.ranks.others < RANK.distress || !hits.hostileBeyondWords) &&
        (m.concepts.concepts & evidence.threat) !== 0));
  const othersRank = Math.max(hits.ranks.others, modelThreat ? RANK.high : 0);
  // Harm read by the model alone needs a victim or violence word unless it is very sure: it read a collision on a
  // village road and a custody quarrel as harm done to the writer, and gave them a safety reply for an answer.
  const modelHarmed =
    (m.harmed >= t.harmed && (m.concepts.concepts & evidence.harm) !== 0) || m.harmed >= HARMED_NOW;
  const harmedNow = m.harmed >= HARMED_NOW && DANGER_NOW.test(hits.modelText);
  // A lexicon phrase of the writer's own hostility (我天天骂我老公窝囊废) outweighs the model's lone reading of harm
  // done to the writer, which the family words and the quarrel in such a message suggest.
  const modelHarmedRank = harmedNow
    ? RANK.high
    : modelHarmed && hits.ranks.others < RANK.distress
      ? RANK.distress
      : 0;
  const harmedRank = Math.max(hits.ranks.harmed, modelHarmedRank);
  if (othersRank >= RANK.high && hits.ranks.self < RANK.high) {
    if (hits.ranks.others < RANK.high) reasons.push(`model:others:${m.others.toFixed(2)}`);
    return { kind: "others", rank: Math.max(rank, othersRank) };
  }
  if (othersRank >= RANK.high && m.others > m.high)
    return { kind: "others", rank: Math.max(rank, othersRank) };
  if (harmedRank >= RANK.distress && (rank < RANK.high || harmedRank >= RANK.high)) {
    if (hits.ranks.harmed < harmedRank)
      reasons.push(`model:harmed${harmedNow ? "-now" : ""}:${m.harmed.toFixed(2)}`);
    return { kind: "harmed", rank: Math.max(rank, harmedRank) };
  }
  // Hostility without a stated intent (wishing someone dead, 杀了他的心都有): distress of its own kind, so the
  // reply calms the anger instead of asking after the writer's own life; the writer's own high still wins above.
  // The model alone needs death or violence in the text: it read a question about who pays for the parents' care
  // as hostility.
  const hostile =
    hits.ranks.others >= RANK.distress ||
    (!hits.ruled && m.others >= t.others && (m.concepts.concepts & evidence.hostile) !== 0);
  // Words of contempt beside the writer's own distress (这帮吃干饭的…我实在撑不住了): the writer's distress is the
  // reading, and a letter keeps its offer to register the matter.
  const contemptBesideDistress = !hits.hostileBeyondWords && m.others < t.others && rank >= RANK.distress;
  if (hostile && rank < RANK.high && !contemptBesideDistress) {
    if (hits.ranks.others < RANK.distress) reasons.push(`model:hostility:${m.others.toFixed(2)}`);
    return { kind: "others", rank: Math.max(rank, RANK.distress) };
  }
  return { kind: "self", rank };
}

/** Who is at risk: the writer, or someone else they tell us about. */
export function riskSubject(
  c: Compiled,
  text: string,
  kind: RiskKind,
  rank: number,
  hits: LexiconReading,
): "self" | "other" {
  if (kind === "others") return hits.threatByOther && !hits.threatBySelf ? "other" : "self";
  if (kind === "harmed") return "self";
  if (isReportOnly(hits)) return "other";
  if (rank >= RANK.high && hits.ranks.self >= RANK.high)
    return hits.topOther && !hits.topSelf ? "other" : "self";
  if (rank >= RANK.distress) {
    // No lexicon phrase to anchor on: about someone else only when a person is mentioned and the writer never
    // appears as a subject (我儿子最近…说人生没意义), since people mostly write about themselves.
    hits.mentions ??= mentionsOf(c, text);
    let other = false;
    let self = false;
    for (const mention of hits.mentions) {
      if (mentionKind(mention) === "self") self = true;
      else other = true;
    }
    if (other && !self) return "other";
  }
  return "self";
}

/** Level band plus the model's confidence in the next level up, so the score is monotone with level. */
export function riskScore(rank: number, m: ModelReading): number {
  const within = rank === RANK.none ? m.distressUp : rank === RANK.distress ? m.high : m.imminent;
  return (rank + Math.min(Math.max(within, 0), 1) * 0.999) / 4;
}
