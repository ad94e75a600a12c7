/**
 * Crisis-risk detector: every citizen message passes here before anything else.
 *
 * Two parts, combined by a fixed rule (see "Combination rule" below):
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
import { existsSync, readFileSync } from "node:fs";
import { z } from "zod";
import { fileText, moduleText } from "../core/file-cache.js";
import { projectPath } from "../core/paths.js";
import { type ConceptPair, type ConceptReader, createConceptReader } from "./crisis-concepts.js";
import { CORPUS_PATHS, type CorpusExample, loadCrisisCorpus, loadHandWritten } from "./crisis-corpus.js";
import { cachedModel, type LinearModel, type ModelTables, trainSoftmax } from "./linear-model.js";
import { createNormaliser, NORMALISER_VERSION } from "./normalise.js";
import { captureCount, firstSet, PatternSet, withPrefilter } from "./pattern-set.js";
import { SparseScorer } from "./sparse-scorer.js";

export type RiskLevel = "none" | "distress" | "high" | "imminent";
/** What the risk is: to the writer's own life, to someone the writer threatens, or harm done to the writer. */
export type RiskKind = "self" | "others" | "harmed";

export interface RiskAssessment {
  level: RiskLevel;
  /** Who is at risk: the writer, or someone else they tell us about (friend, child, news). */
  subject: "self" | "other";
  /**
   * self: suicide or self-harm; others: the writer threatens to hurt someone (high, a case of its own kind);
   * harmed: the writer is being hurt (violence, abuse, bullying): at least distress, a safety reply.
   */
  kind: RiskKind;
  /** True when the text only reports news/fiction about strangers: not a case to hand off. */
  reportOnly: boolean;
  /** Short English reason codes for staff, e.g. "lexicon:suicide-ideation", "negated:自杀", "hyperbole:累死", "model:0.83". */
  reasons: string[];
  /** 0..1, monotone with level, for sorting and raising priority. */
  score: number;
}

export interface CrisisDetector {
  assess(normalisedText: string): RiskAssessment;
}

export const DEFAULT_LEXICON_PATH = projectPath("intents", "data", "crisis-lexicon.json");

const LEVELS: readonly RiskLevel[] = ["none", "distress", "high", "imminent"];
const RANK: Record<RiskLevel, number> = { none: 0, distress: 1, high: 2, imminent: 3 };

/** The graver of two levels; unknown strings (an old stored value) count as none. */
export function graverRisk(a: string, b: string): RiskLevel {
  const ra = RANK[a as RiskLevel] ?? 0;
  const rb = RANK[b as RiskLevel] ?? 0;
  return (ra >= rb ? a : b) as RiskLevel;
}

/** True when `a` is strictly graver than `b`. */
export const isGraver = (a: RiskLevel, b: RiskLevel): boolean => RANK[a] > RANK[b];

/**
 * A crisis level: high or imminent, which gets the crisis reply, a case and a page. Takes stored strings too (a
 * conversation's risk column); anything else is not a crisis.
 */
export const isCrisis = (level: string): boolean => level === "high" || level === "imminent";

// ---------------------------------------------------------------------------------------------------------------
// Lexicon schema (zod 4). Patterns are JavaScript regex sources without capturing groups: the pattern set gives each
// group one capturing group of its own to learn which group matched.

const patternSource = z
  .string()
  .min(1)
  .superRefine((source, ctx) => {
    let ok = true;
    try {
      if (captureCount(source) !== 0) {
        ctx.addIssue({ code: "custom", message: `pattern has capturing groups (use (?:...)): ${source}` });
        ok = false;
      }
    } catch (e) {
      ctx.addIssue({
        code: "custom",
        message: `pattern does not compile: ${source}: ${(e as Error).message}`,
      });
      ok = false;
    }
    if (ok && new RegExp(`^(?:${source})$`).test("")) {
      ctx.addIssue({ code: "custom", message: `pattern matches the empty string: ${source}` });
    }
  });

const groupId = z.string().regex(/^[a-z][a-z0-9-]*$/, "ids are lower-case kebab-case");
const comment = z.string().min(20, "say why the group exists, what it catches and what it must not");

const cueGroup = z.object({ id: groupId, comment, patterns: z.array(patternSource).min(1) });

export const CrisisLexiconSchema = z.object({
  version: z.string().min(1),
  comment: z.string(),
  risk: z
    .array(
      z.object({
        id: groupId,
        comment,
        level: z.enum(["distress", "high", "imminent"]),
        /** Default self. */
        kind: z.enum(["self", "others", "harmed"]).optional(),
        patterns: z.array(patternSource).min(1),
      }),
    )
    .min(1),
  neutral: z.array(
    z.object({
      id: groupId,
      comment,
      /** Prefix of the reason code when this group masks a span, e.g. "hyperbole". */
      reason: groupId,
      patterns: z.array(patternSource).min(1),
    }),
  ),
  cues: z.object({
    negationBefore: cueGroup.refine((g) => g.patterns.every((p) => p.endsWith("$")), {
      error: "negationBefore patterns are tested on the text before a hit and must end with $",
    }),
    negationAfter: cueGroup.refine((g) => g.patterns.every((p) => p.startsWith("^")), {
      error: "negationAfter patterns are tested on the text after a hit and must start with ^",
    }),
    pastBefore: cueGroup.refine((g) => g.patterns.every((p) => p.endsWith("$")), {
      error: "pastBefore patterns must end with $",
    }),
    pastAfter: cueGroup,
    escalation: cueGroup,
    report: cueGroup,
    reportingVerb: cueGroup,
    selfMention: cueGroup,
    knownMention: cueGroup,
    pronounMention: cueGroup,
    strangerMention: cueGroup,
    objectMarker: cueGroup,
  }),
  obfuscation: z.object({
    comment: z.string(),
    emoji: z.record(z.string(), z.string()),
    map: z.array(
      z.object({ pattern: patternSource, replace: z.string().min(1), comment: z.string().optional() }),
    ),
  }),
});

export type CrisisLexicon = z.infer<typeof CrisisLexiconSchema>;

export function loadCrisisLexicon(path: string = DEFAULT_LEXICON_PATH): CrisisLexicon {
  return CrisisLexiconSchema.parse(JSON.parse(readFileSync(path, "utf8")));
}

// ---------------------------------------------------------------------------------------------------------------
// Canonical text: what every pattern and the model see.

const BOUNDARY_COMMA = 0xff0c; // ，
const BOUNDARY_STOP = 0x3002; // 。
const BOUNDARY_QUESTION = 0xff1f; // ？
/** Filler for masked spans: the canonicaliser drops "_", so it can never come from the citizen's text. */
const MASK = "_";
/** Filler for negated or past hits, same reason ("~" becomes a comma in canonical text). */
const MASK_NEGATED = "~";
/**
 * In the model's input a masked span becomes one marker character (Ⓜ for hyperbole/idiom/service, Ⓝ for a
 * negated hit), so the model learns "我想Ⓜ" (我想跳槽) or "从来没想过Ⓝ" as what they are instead of seeing a
 * bare "我想". Both sit in the symbol range the canonicaliser turns into commas, so citizens cannot type them.
 */
const MARK_NEUTRAL = "\u24c2";
const MARK_NEGATED = "\u24c3";

const isBoundary = (c: number): boolean =>
  c === BOUNDARY_COMMA || c === BOUNDARY_STOP || c === BOUNDARY_QUESTION;

function isWordChar(c: number): boolean {
  return (
    (c >= 0x4e00 && c <= 0x9fff) ||
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x3400 && c <= 0x4dbf) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0x1800 && c <= 0x18af) ||
    (c >= 0x3040 && c <= 0x30ff) ||
    (c >= 0xac00 && c <= 0xd7af) ||
    (c >= 0xc0 && c < 0x2000) ||
    c === 0x24c2 ||
    c === 0x24c3
  );
}

// Character classes for the canonicaliser, one table lookup per UTF-16 unit.
const C_DROP = 0;
const C_WORD = 1;
const C_COMMA = 2;
const C_STOP = 3;
const C_QUESTION = 4;
const C_DOT = 5;
const C_SYMBOL = 6;
const C_UPPER = 7;
const C_SPACE = 8;
const CHAR_CLASS = (() => {
  const t = new Uint8Array(0x10000);
  for (let c = 0; c < 0x10000; c++) if (isWordChar(c) && c !== 0x24c2 && c !== 0x24c3) t[c] = C_WORD;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = C_UPPER;
  t[0x300a] = C_WORD; // 《 》 kept: a book or film title is a report cue
  t[0x300b] = C_WORD;
  for (const c of [0x2c, 0xff0c, 0x3001, 0x3a, 0xff1a, 0x2026, 0x7e, 0xff5e]) t[c] = C_COMMA;
  for (const c of [0x3002, 0x21, 0xff01, 0x3b, 0xff1b, 0x0a]) t[c] = C_STOP;
  for (const c of [0x3f, 0xff1f]) t[c] = C_QUESTION;
  t[0x2e] = C_DOT;
  for (let c = 0xd800; c <= 0xdbff; c++) t[c] = C_SYMBOL;
  for (let c = 0x2000; c <= 0x2bff; c++) if (t[c] === C_DROP) t[c] = C_SYMBOL;
  for (const c of [0x200b, 0x200c, 0x200d, 0x200e, 0x200f, 0x2060]) t[c] = C_DROP;
  t[0x20] = C_SPACE;
  t[0x3000] = C_SPACE;
  return t;
})();
const BOUNDARY_BY_STRENGTH = [0, BOUNDARY_COMMA, BOUNDARY_STOP, BOUNDARY_QUESTION];

const isHan = (c: number): boolean => (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf);

/** How many Han characters follow `from` before anything else (counting stops at 3: all callers need). */
function wordRunAhead(text: string, from: number): number {
  let k = 0;
  for (let j = from; j < text.length && k < 3; j++) {
    if (!isHan(text.charCodeAt(j))) break;
    k++;
  }
  return k;
}

/** How many Han characters end the output so far, back to the start of its current run (stops at 3). */
function cjkRunBefore(buf: Uint16Array, n: number, runStart: number): number {
  let k = 0;
  for (let j = n - 1; j >= runStart && k < 3; j--) {
    if (!isHan(buf[j] ?? 0)) break;
    k++;
  }
  return k;
}

/**
 * One pass over the text: keeps letters and digits, drops spaces and in-word separators (so 自 杀, 自.杀, z s and
 * 不-想-活 read as words), folds clause punctuation into ，。？, maps meaningful emoji (💊 → 药) and turns the rest of
 * the emoji into a comma. Writes into a reused buffer: no per-character strings, no closures.
 */
class Canonicaliser {
  private buf = new Uint16Array(256);
  constructor(private readonly emoji: ReadonlyMap<number, string>) {}

  run(text: string): string {
    const len = text.length;
    if (this.buf.length < len * 4 + 8) this.buf = new Uint16Array(len * 4 + 8);
    const buf = this.buf;
    // Most messages are a run of word characters, perhaps with punctuation after: that run stays as it is.
    let n = 0;
    for (let c = text.charCodeAt(0); n < len && CHAR_CLASS[c] === C_WORD; c = text.charCodeAt(n))
      buf[n++] = c;
    const plain = n;
    let pending = 0; // strength of the boundary owed before the next word character: 0 none, 1 ，, 2 。, 3 ？
    let runStart = 0; // where the current run of word characters began in buf
    for (let i = plain; i < len; i++) {
      let c = text.charCodeAt(i);
      let cls = CHAR_CLASS[c] ?? C_DROP;
      if (cls === C_UPPER) {
        c += 32;
        cls = C_WORD;
      }
      if (cls === C_WORD) {
        if (pending !== 0) {
          if (n > 0) buf[n++] = BOUNDARY_BY_STRENGTH[pending] ?? BOUNDARY_COMMA;
          pending = 0;
          runStart = n;
        }
        buf[n++] = c;
      } else if (cls === C_COMMA || cls === C_STOP || cls === C_QUESTION) {
        const strength = cls === C_COMMA ? 1 : cls === C_STOP ? 2 : 3;
        if (strength > pending) pending = strength;
      } else if (cls === C_SPACE) {
        // Posts often use a space where a comma would be (反正还有一年 告诉我…): between two runs of three or more
        // characters it is a clause break. Otherwise it is dropped, so spelled-apart words (自 杀, 不 想 活 了)
        // and a word set apart (好想 自杀) still read as words.
        // Latin runs (pinyin, English) keep their spaces dropped: "wo xiang zi sha", "i want to die".
        if (pending === 0 && cjkRunBefore(buf, n, runStart) >= 3 && wordRunAhead(text, i + 1) >= 3)
          pending = 1;
      } else if (cls === C_DOT) {
        // One dot inside a word is a separator (自.杀); two or more are an ellipsis.
        if (text.charCodeAt(i + 1) === 0x2e) {
          while (text.charCodeAt(i + 1) === 0x2e) i++;
          if (pending < 1) pending = 1;
        }
      } else if (cls === C_SYMBOL) {
        const cp = text.codePointAt(i) ?? c;
        if (cp > 0xffff) i++;
        const mapped = this.emoji.get(cp);
        if (mapped === undefined) {
          if (pending < 1) pending = 1;
          continue;
        }
        for (let j = 0; j < mapped.length; j++) {
          if (pending !== 0) {
            if (n > 0) buf[n++] = BOUNDARY_BY_STRENGTH[pending] ?? BOUNDARY_COMMA;
            pending = 0;
          }
          buf[n++] = mapped.charCodeAt(j);
        }
      }
      // anything else (spaces, - * _ / | quotes, brackets, variation selectors) is dropped
    }
    // Nothing after the run was kept (a trailing "?" or "。" is dropped): no new string to build.
    if (n === plain) return plain === len ? text : text.slice(0, plain);
    let out = "";
    for (let i = 0; i < n; i += 4096) {
      out += String.fromCharCode.apply(null, buf.subarray(i, Math.min(n, i + 4096)) as unknown as number[]);
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Compiled lexicon

interface RiskGroupInfo {
  id: string;
  level: RiskLevel;
  kind: RiskKind;
}

type MentionKind = "self" | "known" | "stranger" | "pronoun";

interface Compiled {
  canonicaliser: Canonicaliser;
  obfuscation: PatternSet | null;
  obfuscationReplace: string[];
  neutral: PatternSet | null;
  neutralReasons: string[];
  /** All risk groups, most severe group first. */
  risk: PatternSet;
  riskGroups: RiskGroupInfo[];
  negationBefore: RegExp;
  negationAfter: RegExp;
  pastBefore: RegExp;
  pastAfter: RegExp;
  escalation: RegExp;
  report: RegExp;
  reportingVerb: RegExp;
  /** Right after a hit: the hit describes a person (跳楼的女孩, 因抑郁症自杀的表姐), not the writer's wish. */
  describedPerson: RegExp;
  /** (stranger)|(known)|(pronoun)|(self), behind the object-marker lookbehind. */
  mention: RegExp;
}

/** Order of the mention regex's groups: strangers first, so that 有个大学生 is not read as a known 学生. */
const MENTION_KINDS: readonly MentionKind[] = ["stranger", "known", "pronoun", "self"];

const alt = (patterns: readonly string[]): string => patterns.map((p) => `(?:${p})`).join("|");

const cueRegex = (patterns: readonly string[]): RegExp => new RegExp(withPrefilter(patterns, alt(patterns)));

function compile(lexicon: CrisisLexicon): Compiled {
  const emoji = new Map<number, string>();
  for (const [k, v] of Object.entries(lexicon.obfuscation.emoji)) emoji.set(k.codePointAt(0) ?? 0, v);
  // Risk groups are tried most severe first, so that at one position the more specific reading wins.
  const riskGroups = [...lexicon.risk].sort((a, b) => RANK[b.level] - RANK[a.level]);
  const cues = lexicon.cues;
  const obj = alt(cues.objectMarker.patterns);
  // In the order of MENTION_KINDS.
  const mentionGroups = [cues.strangerMention, cues.knownMention, cues.pronounMention, cues.selfMention];
  return {
    canonicaliser: new Canonicaliser(emoji),
    obfuscation:
      lexicon.obfuscation.map.length > 0
        ? new PatternSet(lexicon.obfuscation.map.map((e) => [e.pattern]))
        : null,
    obfuscationReplace: lexicon.obfuscation.map.map((e) => e.replace),
    neutral: lexicon.neutral.length > 0 ? new PatternSet(lexicon.neutral.map((g) => g.patterns)) : null,
    neutralReasons: lexicon.neutral.map((g) => g.reason),
    risk: new PatternSet(riskGroups.map((g) => g.patterns)),
    riskGroups: riskGroups.map((g) => ({ id: g.id, level: g.level, kind: g.kind ?? "self" })),
    negationBefore: cueRegex(cues.negationBefore.patterns),
    negationAfter: cueRegex(cues.negationAfter.patterns),
    pastBefore: cueRegex(cues.pastBefore.patterns),
    pastAfter: cueRegex(cues.pastAfter.patterns),
    escalation: cueRegex(cues.escalation.patterns),
    report: cueRegex(cues.report.patterns),
    reportingVerb: cueRegex(cues.reportingVerb.patterns),
    describedPerson: new RegExp(
      `^[了过]?的(?:那个|那位|这个|这位|一个|那些)?(?:${alt([...cues.strangerMention.patterns, ...cues.knownMention.patterns])})`,
    ),
    mention: new RegExp(
      withPrefilter(
        mentionGroups.flatMap((g) => g.patterns),
        `(?<!${obj})(?:${mentionGroups.map((g) => `(${alt(g.patterns)})`).join("|")})`,
      ),
      "g",
    ),
  };
}

/** Index of the first defined capture group (1-based), or 0. */
function groupOf(m: RegExpExecArray | readonly unknown[], count: number): number {
  for (let i = 1; i <= count; i++) if (m[i] !== undefined) return i;
  return 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Text preparation shared by assessment and training, so the model sees exactly what it was trained on.

interface Hit {
  group: RiskGroupInfo;
  start: number;
  end: number;
  text: string;
}

interface Prepared {
  /** Canonical text with neutral spans (hyperbole, idioms, service terms) masked. */
  text: string;
  /** Same, with negated hits masked too: what the model sees. */
  modelText: string;
  hits: Hit[];
  negated: boolean[];
  reasons: string[];
}

function clip(s: string): string {
  return s.length > 12 ? `${s.slice(0, 12)}…` : s;
}

function clauseStart(text: string, pos: number): number {
  let i = pos - 1;
  while (i >= 0 && !isBoundary(text.charCodeAt(i))) i--;
  return i + 1;
}

function sentenceStart(text: string, pos: number): number {
  let i = pos - 1;
  while (i >= 0) {
    const c = text.charCodeAt(i);
    if (c === BOUNDARY_STOP || c === BOUNDARY_QUESTION) break;
    i--;
  }
  return i + 1;
}

function clauseEnd(text: string, pos: number): number {
  let i = pos;
  while (i < text.length && !isBoundary(text.charCodeAt(i))) i++;
  return i;
}

function prepare(c: Compiled, normalisedText: string): Prepared {
  const reasons: string[] = [];
  let text = c.canonicaliser.run(normalisedText);
  if (c.obfuscation) text = substitute(c.obfuscation, text, c.obfuscationReplace, null, reasons);
  if (c.neutral) text = substitute(c.neutral, text, null, c.neutralReasons, reasons);
  const hits: Hit[] = [];
  // Restart one character after each match, not after its end, so overlapping phrases of other groups are seen too.
  for (let m = c.risk.next(text, 0); m !== null; m = c.risk.next(text, m.index + 1)) {
    const group = c.riskGroups[m.group];
    if (group) hits.push({ group, start: m.index, end: m.index + m.text.length, text: m.text });
  }
  const negated: boolean[] = [];
  for (const h of hits) negated.push(isNegated(c, text, h));
  return { text, modelText: modelInput(text, hits, negated), hits, negated, reasons };
}

/** The model's view: masked spans collapsed into marker characters, negated hits marked too. */
function modelInput(text: string, hits: readonly Hit[], negated: readonly boolean[]): string {
  let out = text;
  for (let i = 0; i < hits.length; i++) {
    const h = hits[i];
    if (h && negated[i])
      out = out.slice(0, h.start) + MASK_NEGATED.repeat(h.end - h.start) + out.slice(h.end);
  }
  if (out.includes(MASK)) out = out.replace(/_+/g, MARK_NEUTRAL);
  if (out.includes(MASK_NEGATED)) out = out.replace(/~+/g, MARK_NEGATED);
  return out;
}

/** What the model reads for a normalised text: canonical, masked spans as markers. Its features: crisisFeatures. */
export function crisisModelText(normalisedText: string, lexicon?: CrisisLexicon): string {
  return prepare(compiledFor(lexicon ?? defaultLexicon()), normalisedText).modelText;
}

/**
 * Replaces every match of a pattern set: with the group's replacement (obfuscation map), or with a same-length
 * mask that keeps offsets (neutral groups, reason code from the group). Allocates nothing when nothing matches,
 * the common case.
 */
function substitute(
  set: PatternSet,
  text: string,
  replacements: readonly string[] | null,
  maskReasons: readonly string[] | null,
  reasons: string[],
): string {
  let m = set.next(text, 0);
  if (m === null) return text;
  let out = "";
  let last = 0;
  for (; m !== null; m = set.next(text, m.text.length === 0 ? last + 1 : last)) {
    const g = m.group;
    const match = m.text;
    if (replacements) reasons.push(`obfuscation:${clip(match)}`);
    else reasons.push(`${maskReasons?.[g] ?? "neutral"}:${clip(match)}`);
    out +=
      text.slice(last, m.index) + (replacements ? (replacements[g] ?? match) : MASK.repeat(match.length));
    last = m.index + match.length;
  }
  return out + text.slice(last);
}

function isNegated(c: Compiled, text: string, h: Hit): boolean {
  const before = text.slice(Math.max(clauseStart(text, h.start), h.start - 16), h.start);
  if (before.length > 0 && c.negationBefore.test(before)) return true;
  return c.negationAfter.test(text.slice(h.end, h.end + 14));
}

// ---------------------------------------------------------------------------------------------------------------
// Features for the learned model: character 1-2-grams inside runs of word characters (masks and punctuation break
// runs). Distinct features only, as trainSoftmax expects.

/** Unigrams and bigrams: trigrams did not generalise better in cross-validation and cost more to train. */
const MAX_N = 2;

export function crisisFeatures(modelText: string): string[] {
  const out: string[] = [...conceptReader().read(modelText).features];
  const seen = new Set<string>(out);
  const len = modelText.length;
  let runStart = 0;
  for (let i = 0; i <= len; i++) {
    if (i < len && isWordChar(modelText.charCodeAt(i))) continue;
    for (let s = runStart; s < i; s++) {
      const maxEnd = Math.min(i, s + MAX_N);
      for (let e = s + 1; e <= maxEnd; e++) {
        const f = modelText.slice(s, e);
        if (!seen.has(f)) {
          seen.add(f);
          out.push(f);
        }
      }
    }
    runStart = i + 1;
  }
  return out;
}

let sharedConceptReader: ConceptReader | undefined;
const conceptReader = (): ConceptReader => {
  sharedConceptReader ??= createConceptReader();
  return sharedConceptReader;
};

/** Unigram key: the code unit; bigram key: both code units (always ≥ 0x300000 as word characters are ≥ 0x30). */
function ngramKey(f: string): number {
  return f.length === 1 ? f.charCodeAt(0) : ((f.charCodeAt(0) << 16) | f.charCodeAt(1)) >>> 0;
}

/**
 * Exported so that tests can check it agrees with LinearModel.predict.
 *
 * The trained LinearModel over crisisFeatures, evaluated by a SparseScorer on integer n-gram keys: same
 * probabilities as LinearModel.predict, which allocates Sets, arrays and one string per n-gram and costs several
 * µs per message; the detector's whole budget is 20 µs.
 */
export class CrisisModelScorer {
  private readonly scorer: SparseScorer;
  /** Position of each RiskLevel in the model's label order (-1 when the model lacks it). */
  readonly slot: Record<RiskLevel | "others" | "harmed", number>;

  constructor(json: ModelTables) {
    this.scorer = new SparseScorer(json, (f) => {
      if (f.length < 1 || f.length > MAX_N)
        throw new Error(`crisis model feature of unexpected length: ${f}`);
      return { key: ngramKey(f) };
    });
    const slot = (l: string) => json.labels.indexOf(l);
    this.slot = {
      none: slot("none"),
      distress: slot("distress"),
      high: slot("high"),
      imminent: slot("imminent"),
      others: slot("others"),
      harmed: slot("harmed"),
    };
    if (this.slot.none < 0 || this.slot.distress < 0 || this.slot.high < 0) {
      throw new Error(
        `crisis model labels must include none, distress and high; got ${json.labels.join(", ")}`,
      );
    }
  }

  /** Fills `out` (length k) with probabilities in the model's label order. */
  score(
    text: string,
    out: Float64Array,
    concepts: readonly string[] = conceptReader().read(text).features,
  ): void {
    const s = this.scorer;
    const len = text.length;
    // At most 2 features per character, and the concept features.
    s.begin(len * 2 + concepts.length);
    for (const f of concepts) s.key(f.charCodeAt(0));
    let prev = -1; // previous word character in the current run, -1 at a run start
    for (let i = 0; i < len; i++) {
      const c = text.charCodeAt(i);
      if (!isWordChar(c)) {
        prev = -1;
        continue;
      }
      s.key(c);
      if (prev !== -1) s.key((prev << 16) | c);
      prev = c;
    }
    s.finish(out);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Training

export type { CorpusExample } from "./crisis-corpus.js";

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
  const c = compiledFor(options.lexicon ?? defaultLexicon());
  const normalise = createNormaliser();
  const examples = (options.examples ?? loadCrisisCorpus()).map((e) => ({
    features: crisisFeatures(prepare(c, normalise(e.text).text).modelText),
    label: e.label,
  }));
  return trainSoftmax(examples, { epochs: EPOCHS, learningRate: 0.5, l2: L2, seed: 7 });
}

const EPOCHS = 12;
const L2 = 1e-5;

let cachedLexicon: CrisisLexicon | undefined;
const compiledCache = new WeakMap<CrisisLexicon, Compiled>();
function compiledFor(lexicon: CrisisLexicon): Compiled {
  let c = compiledCache.get(lexicon);
  if (!c) {
    c = compile(lexicon);
    compiledCache.set(lexicon, c);
  }
  return c;
}
let cachedTables: ModelTables | undefined;
const defaultLexicon = (): CrisisLexicon => {
  cachedLexicon ??= loadCrisisLexicon();
  return cachedLexicon;
};
// The default model is cached on disk under a hash of everything that shapes it (this module's code, the lexicon,
// the training set), so it cannot drift from the lexicon, and start-up skips about 200 ms of training.
const defaultModel = (): ModelTables => {
  cachedTables ??= cachedModel(
    "crisis-model",
    [
      moduleText("./crisis-detector.js", import.meta.url),
      moduleText("./crisis-corpus.js", import.meta.url),
      moduleText("./crisis-concepts.js", import.meta.url),
      NORMALISER_VERSION,
      fileText(DEFAULT_LEXICON_PATH),
      ...CORPUS_PATHS.map((p) => (existsSync(p) ? fileText(p) : "")),
    ],
    () => trainCrisisModel({ lexicon: defaultLexicon() }),
  );
  return cachedTables;
};
// ---------------------------------------------------------------------------------------------------------------
// Combination rule

/** Model alone: none → distress when P(distress or worse) reaches this. */
const MODEL_DISTRESS = 0.75;
/** Model raising a lexicon distress to high: P(high or imminent) must reach this. */
const MODEL_HIGH_OVER_DISTRESS = 0.75;
/** Model raising to high with no lexicon signal at all: stricter. */
const MODEL_HIGH_ALONE = 0.8;
/** Model raising to high when concept pairs in one sentence support it (see SELF_EVIDENCE). */
const MODEL_HIGH_WITH_CONCEPTS = 0.4;
/** Model alone reading a threat to others (high, a case of its own kind). */
const MODEL_OTHERS = 0.6;
/** Model alone reading a threat with no violence word or weapon in the text: stricter. */
const STRONG_THREAT = 0.85;
/** Model alone reading harm done to the writer (distress with a safety reply). */
const MODEL_HARMED = 0.5;

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

export function createCrisisDetector(
  options: { lexicon?: CrisisLexicon; model?: LinearModel; thresholds?: Partial<CrisisThresholds> } = {},
): CrisisDetector {
  const t: CrisisThresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
  const SELF_EVIDENCE = conceptReader().maskOf(SELF_EVIDENCE_PAIRS);
  const VIOLENCE = conceptReader().conceptMask(["violence"]);
  const IMMINENT_EVIDENCE = conceptReader().maskOf(["means+act", "act+leave", "time+means", "time+leave"]);
  const lexicon = options.lexicon ? CrisisLexiconSchema.parse(options.lexicon) : defaultLexicon();
  const c = compiledFor(lexicon);
  const model =
    options.model?.toJSON() ?? (options.lexicon ? trainCrisisModel({ lexicon }).toJSON() : defaultModel());
  const scorer = new CrisisModelScorer(model);
  const probs = new Float64Array(model.labels.length);
  const slot = scorer.slot;

  /** Every person mention in the text, in order (few and short: only computed when there is a hit). */
  const mentionsOf = (text: string): RegExpExecArray[] => {
    const re = c.mention;
    const out: RegExpExecArray[] = [];
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      out.push(m);
      if (m[0].length === 0) re.lastIndex++;
    }
    return out;
  };

  /**
   * Who a phrase at `pos` is about: the last person mentioned before it in the same clause; or in an earlier
   * clause when a reporting verb follows that person (我女儿…说活着没意思), or when that person's clause in the same
   * sentence is a description rather than a finished event (老婆带孩子回娘家了，这几天… → the writer again) and
   * the writer has not appeared since.
   * No mention at all is "implicit": the writer, as Chinese drops the subject.
   */
  const subjectOf = (
    text: string,
    mentions: readonly RegExpExecArray[],
    pos: number,
  ): { kind: MentionKind | "implicit"; who: string } => {
    let last: RegExpExecArray | undefined;
    for (const m of mentions) {
      if (m.index + m[0].length > pos) break;
      last = m;
    }
    if (!last) return { kind: "implicit", who: "" };
    const kind = MENTION_KINDS[groupOf(last, 4) - 1] ?? "self";
    const who = last[0];
    if (last.index >= clauseStart(text, pos)) return { kind, who };
    const between = text.slice(last.index + who.length, pos);
    if (c.reportingVerb.test(between)) return { kind, who };
    // The writer shows up again, even as an object (家里人都不理解我，…): the topic is the writer.
    if (kind !== "self" && /[我俺]/.test(between)) return { kind: "implicit", who: "" };
    if (last.index >= sentenceStart(text, pos)) {
      const end = clauseEnd(text, last.index);
      if (text.charCodeAt(end - 1) !== 0x4e86 /* 了 */) return { kind, who };
    }
    return { kind: "implicit", who: "" };
  };

  const isOther = (kind: MentionKind | "implicit") =>
    kind === "known" || kind === "stranger" || kind === "pronoun";

  return {
    assess(normalisedText: string): RiskAssessment {
      const p = prepare(c, normalisedText);
      const { text, hits, negated, reasons } = p;
      let modelText = p.modelText;

      // Lexicon ranks by kind: self, others, harmed.
      const kindRank = [0, 0, 0];
      let topSelf = false;
      let topOther = false;
      let threatBySelf = false;
      let threatByOther = false;
      let reported = 0;
      /** A hit was discarded or lowered by an explicit rule (negation, news report, past and recovered). */
      let ruled = negated.includes(true);
      let mentions: RegExpExecArray[] | undefined;
      let hasReportCue: boolean | undefined;
      let hasKnown: boolean | undefined;
      // Most messages have no hit: these two are made on the first one.
      let lexReasons: Set<string> | undefined;
      let lowered: Hit[] | undefined;
      for (let i = 0; i < hits.length; i++) {
        const h = hits[i];
        if (!h) continue;
        if (negated[i]) {
          reasons.push(`negated:${clip(h.text)}`);
          continue;
        }
        let rank = RANK[h.group.level];
        const k = KIND_INDEX[h.group.kind];
        let subject: { kind: MentionKind | "implicit"; who: string } = { kind: "implicit", who: "" };
        if (rank >= RANK.high) {
          mentions ??= mentionsOf(text);
          subject = subjectOf(text, mentions, h.start);
          hasReportCue ??= c.report.test(text);
          if (hasReportCue && subject.kind !== "self" && subject.kind !== "known") {
            hasKnown ??= mentions.some((m) => m[2] !== undefined);
            const lead = text.slice(Math.max(clauseStart(text, h.start), h.start - 3), h.start);
            const desire = /[想要]|打算|准备/.test(lead) || /^[想要]/.test(h.text);
            if (!hasKnown && !(subject.kind === "implicit" && desire)) {
              reported++;
              ruled = true;
              reasons.push(`report:${c.report.exec(text)?.[0] ?? ""}(${clip(h.text)})`);
              continue;
            }
          }
          if (k === 0 && c.describedPerson.test(text.slice(h.end, h.end + 12))) {
            reported++;
            ruled = true;
            reasons.push(`described:${clip(h.text)}`);
            continue;
          }
          const past = text.slice(Math.max(sentenceStart(text, h.start), h.start - 20), h.start);
          if (c.pastBefore.test(past) && c.pastAfter.test(text.slice(h.end))) {
            reasons.push(`past:${clip(h.text)}`);
            rank = RANK.distress;
            ruled = true;
            lowered ??= [];
            lowered.push(h);
          }
        }
        lexReasons ??= new Set();
        lexReasons.add(`lexicon:${h.group.id}`);
        if (rank > (kindRank[k] ?? 0)) {
          kindRank[k] = rank;
          if (k === 0) {
            topSelf = false;
            topOther = false;
          }
        }
        if (k === 0 && rank === kindRank[0] && rank >= RANK.high) {
          if (isOther(subject.kind)) {
            if (!topOther) reasons.push(`third-party:${subject.who}`);
            topOther = true;
          } else topSelf = true;
        } else if (k === 1 && rank >= RANK.high) {
          // A threat reported about someone the writer knows (我爸喝多了说要去撞死那个人) is theirs, not the writer's.
          if (isOther(subject.kind) && c.reportingVerb.test(text.slice(0, h.start))) {
            if (!threatByOther) reasons.push(`third-party:${subject.who}`);
            threatByOther = true;
          } else threatBySelf = true;
        }
      }
      if (lexReasons) for (const r of lexReasons) reasons.push(r);
      if (lowered) {
        // The model must not see a hit the past rule lowered, as it must not see a negated one.
        modelText = modelInput(text, [...hits, ...lowered], [...negated, ...lowered.map(() => true)]);
      }
      let lexRank = kindRank[0] ?? 0;

      // A counted high hit plus a time, place or means cue anywhere in the message is imminent.
      if (lexRank === RANK.high || kindRank[1] === RANK.high) {
        const esc = c.escalation.exec(modelText);
        if (esc) {
          if (lexRank === RANK.high) lexRank = RANK.imminent;
          if (kindRank[1] === RANK.high) kindRank[1] = RANK.imminent;
          reasons.push(`escalated:${esc[0]}`);
        }
      }

      // Learned model: may raise, never lower; after an explicit rule fired and nothing high is left, at most distress.
      const concepts = conceptReader().read(modelText);
      scorer.score(modelText, probs, concepts.features);
      const pNone = probs[slot.none] ?? 0;
      const pOthers = slot.others >= 0 ? (probs[slot.others] ?? 0) : 0;
      const pHarmed = slot.harmed >= 0 ? (probs[slot.harmed] ?? 0) : 0;
      const pHigh = (probs[slot.high] ?? 0) + (slot.imminent >= 0 ? (probs[slot.imminent] ?? 0) : 0);
      // Distress or worse about the writer's own life: what is left once nothing, a threat and harm are taken out.
      const pDistressUp = 1 - pNone - pOthers - pHarmed;
      let modelRank = 0;
      if (
        pHigh >= (lexRank >= RANK.distress ? t.highOverDistress : t.highAlone) ||
        (pHigh >= t.highWithConcepts && (concepts.pairs & SELF_EVIDENCE) !== 0)
      )
        modelRank = RANK.high;
      else if (pDistressUp >= t.distress) modelRank = RANK.distress;
      const reportOnly = reported > 0 && lexRank < RANK.high && (kindRank[1] ?? 0) < RANK.high;
      if (ruled && lexRank < RANK.high) modelRank = Math.min(modelRank, RANK.distress);
      // A denial and nothing else (我没想过要结束生命, an answer to a counselor's question) is no risk.
      if (negated.includes(true) && reported === 0 && !lexReasons) modelRank = 0;
      let rank = lexRank;
      if (modelRank > rank) {
        rank = modelRank;
        reasons.push(
          `model:${LEVELS[modelRank]}:${(modelRank === RANK.high ? pHigh : pDistressUp).toFixed(2)}`,
        );
      } else if (pDistressUp >= 0.5) {
        reasons.push(
          `model:${pHigh >= 0.5 ? "high" : "distress"}:${(pHigh >= 0.5 ? pHigh : pDistressUp).toFixed(2)}`,
        );
      }

      // The model's high with a time, place or means cue reads as imminent, as a lexicon hit would; so does any
      // high whose sentence joins means with an act under way, or a time with means or leaving (药已经倒好了).
      if (rank === RANK.high) {
        const esc = lexRank < RANK.high ? c.escalation.exec(modelText) : null;
        if (esc) {
          rank = RANK.imminent;
          reasons.push(`escalated:${esc[0]}`);
        } else if ((concepts.pairs & IMMINENT_EVIDENCE) !== 0) {
          rank = RANK.imminent;
          reasons.push("escalated:concepts");
        }
      }

      // Kind: a threat to others first (110 first, its own case), even beside a wish to die; then the writer's own
      // life when a lexicon phrase or the model says high; then harm done to the writer.
      let kind: RiskKind = "self";
      // The model alone reads a threat only where the text names violence or a weapon (摔死人了 is an accident), unless it is very sure.
      const modelThreat =
        !ruled && (pOthers >= STRONG_THREAT || (pOthers >= t.others && (concepts.concepts & VIOLENCE) !== 0));
      const othersRank = Math.max(kindRank[1] ?? 0, modelThreat ? RANK.high : 0);
      const harmedRank = Math.max(kindRank[2] ?? 0, pHarmed >= t.harmed ? RANK.distress : 0);
      if (othersRank >= RANK.high && (kindRank[0] ?? 0) < RANK.high) {
        kind = "others";
        rank = Math.max(rank, othersRank);
        if ((kindRank[1] ?? 0) < RANK.high) reasons.push(`model:others:${pOthers.toFixed(2)}`);
      } else if (othersRank >= RANK.high && pOthers > pHigh) {
        kind = "others";
        rank = Math.max(rank, othersRank);
      } else if (harmedRank >= RANK.distress && (rank < RANK.high || harmedRank >= RANK.high)) {
        kind = "harmed";
        rank = Math.max(rank, harmedRank);
        if ((kindRank[2] ?? 0) < RANK.distress) reasons.push(`model:harmed:${pHarmed.toFixed(2)}`);
      }

      let subject: "self" | "other" = "self";
      if (kind === "others") subject = threatByOther && !threatBySelf ? "other" : "self";
      else if (kind === "harmed") subject = "self";
      else if (reportOnly) subject = "other";
      else if (rank >= RANK.high && (kindRank[0] ?? 0) >= RANK.high)
        subject = topOther && !topSelf ? "other" : "self";
      else if (rank >= RANK.distress) {
        // No lexicon phrase to anchor on: about someone else only when a person is mentioned and the writer never
        // appears as a subject (我儿子最近…说人生没意义), since people mostly write about themselves.
        mentions ??= mentionsOf(text);
        let other = false;
        let self = false;
        for (const m of mentions) {
          const mk = MENTION_KINDS[groupOf(m, 4) - 1];
          if (mk === "self") self = true;
          else other = true;
        }
        if (other && !self) subject = "other";
      }

      // Score: level band plus the model's confidence in the next level up, so it is monotone with level.
      const within =
        rank === RANK.none
          ? pDistressUp
          : rank === RANK.distress
            ? pHigh
            : slot.imminent >= 0
              ? (probs[slot.imminent] ?? 0)
              : pHigh;
      const score = (rank + Math.min(Math.max(within, 0), 1) * 0.999) / 4;
      return { level: LEVELS[rank] ?? "none", subject, kind, reportOnly, reasons, score };
    },
  };
}

const KIND_INDEX: Record<RiskKind, number> = { self: 0, others: 1, harmed: 2 };

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
];

/** Internals exposed for tests only. */
export const crisisInternals = { firstSet };
