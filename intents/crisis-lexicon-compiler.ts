/**
 * The lexicon compiled for matching: pattern sets for obfuscations, neutral spans and risk groups (most severe
 * first), and one regex per context cue. Compiled once per lexicon object.
 */
import { Canonicaliser } from "./crisis-canonicaliser.js";
import type { CrisisLexicon } from "./crisis-lexicon.js";
import { RANK, type RiskKind, type RiskLevel } from "./crisis-risk.js";
import { writerInDialect } from "./dialect-writer.js";
import { PatternSet, withPrefilter } from "./pattern-set.js";

export interface RiskGroupInfo {
  id: string;
  level: RiskLevel;
  kind: RiskKind;
}

export type MentionKind = "self" | "known" | "stranger" | "pronoun";

export interface Compiled {
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
  /**
   * Right after a negated phrase: the writer takes the denial back in the next clause (没想过自杀，其实我现在就想了),
   * the want left bare so that it can only point back to the phrase (但是我想吃饭 goes on to something else).
   */
  retracted: RegExp;
  pastBefore: RegExp;
  pastAfter: RegExp;
  /**
   * A story told as past and recovered (以前天天想消失，现在天天想着吃好吃的): a past marker, then within a few
   * sentences a recovery statement, and nothing after it turning back to now (但是最近又…).
   */
  recovered: RegExp;
  /** After / before a risk phrase about someone else: a death that already happened (grief, not danger). */
  completedAfter: RegExp;
  completedBefore: RegExp;
  escalation: RegExp;
  report: RegExp;
  reportingVerb: RegExp;
  /** Talking someone else out of it (你可别去, 你再想想): see readHits. */
  consoling: RegExp;
  /** Right after a hit: the hit describes a person (跳楼的女孩, 因抑郁症自杀的表姐), not the writer's wish. */
  describedPerson: RegExp;
  /** (stranger)|(known)|(pronoun)|(self), behind the object-marker lookbehind. */
  mention: RegExp;
}

/** Order of the mention regex's groups: strangers first, so that 有个大学生 is not read as a known 学生. */
export const MENTION_KINDS: readonly MentionKind[] = ["stranger", "known", "pronoun", "self"];

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
    // Harm done to the writer and threats the writer makes read 俺 as 我 (俺男人打俺).
    risk: new PatternSet(
      riskGroups.map((g) => ((g.kind ?? "self") === "self" ? g.patterns : g.patterns.map(writerInDialect))),
    ),
    riskGroups: riskGroups.map((g) => ({ id: g.id, level: g.level, kind: g.kind ?? "self" })),
    negationBefore: cueRegex(cues.negationBefore.patterns),
    negationAfter: cueRegex(cues.negationAfter.patterns),
    retracted:
      /^[^。？]{0,12}?[，。！；]\s*(?:其实|可是|但是?|不过|可)(?:我|俺)?(?:现在|如今|最近|这次|真的)?(?:我|俺)?(?:就|真的|真|却|也|又)?(?:想|要)(?:了|过了|过)?(?=[，。？！；]|$)/,
    pastBefore: cueRegex(cues.pastBefore.patterns),
    pastAfter: cueRegex(cues.pastAfter.patterns),
    recovered: new RegExp(
      `(?:${alt(cues.pastBefore.patterns.map(pastMarker))})[^]{0,80}?(?:${alt(cues.pastAfter.patterns)})(?![^]*(?:但是?|可是|不过|又开始|又想|还是想|最近又|这几天又))`,
    ),
    completedAfter: cueRegex(cues.completedAfter.patterns),
    completedBefore: cueRegex(cues.completedBefore.patterns),
    escalation: cueRegex(cues.escalation.patterns),
    report: cueRegex(cues.report.patterns),
    reportingVerb: cueRegex(cues.reportingVerb.patterns),
    consoling: cueRegex(cues.consoling.patterns),
    // 跳楼的那位女孩: a person described by what they did, with or without 一/某 before the noun.
    describedPerson: new RegExp(
      `^[了过]?的(?:那个|那位|这个|这位|一个|那些)?(?:${alt([...cues.strangerMention.patterns, ...cues.knownMention.patterns, "女孩|男孩|女生|男生|姑娘|小伙子?|大学生|中学生|小学生|明星|博主|少年|少女"])})`,
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

/** A pastBefore cue is tested on the text before a hit (…[^。？]{0,16}$); its marker alone, to find it anywhere. */
function pastMarker(source: string): string {
  return source.replace(/\[\^。？\]\{0,\d+\}\$$/, "");
}

/** Index of the first defined capture group (1-based), or 0. */
export function groupOf(m: RegExpExecArray | readonly unknown[], count: number): number {
  for (let i = 1; i <= count; i++) if (m[i] !== undefined) return i;
  return 0;
}

const compiledCache = new WeakMap<CrisisLexicon, Compiled>();
export function compiledFor(lexicon: CrisisLexicon): Compiled {
  let c = compiledCache.get(lexicon);
  if (!c) {
    c = compile(lexicon);
    compiledCache.set(lexicon, c);
  }
  return c;
}
