/**
 * Text preparation shared by assessment and training, so the model sees exactly what it was trained on:
 * canonical text, obfuscations mapped back, neutral spans masked, risk phrases found and their negations marked.
 */
import { clauseStart } from "./crisis-canonicaliser.js";
import { type CrisisLexicon, defaultLexicon } from "./crisis-lexicon.js";
import { type Compiled, compiledFor, type RiskGroupInfo } from "./crisis-lexicon-compiler.js";
import type { PatternSet } from "./pattern-set.js";

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

export interface Hit {
  group: RiskGroupInfo;
  start: number;
  end: number;
  text: string;
}

export interface Prepared {
  /** Canonical text with neutral spans (hyperbole, idioms, service terms) masked. */
  text: string;
  /** Same, with negated hits masked too: what the model sees. */
  modelText: string;
  hits: Hit[];
  negated: boolean[];
  reasons: string[];
}

export function clip(s: string): string {
  return s.length > 12 ? `${s.slice(0, 12)}…` : s;
}

export function prepare(c: Compiled, normalisedText: string): Prepared {
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
export function modelInput(text: string, hits: readonly Hit[], negated: readonly boolean[]): string {
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
  const denied =
    (before.length > 0 && c.negationBefore.test(before)) ||
    c.negationAfter.test(text.slice(h.end, h.end + 14));
  return denied && !c.retracted.test(text.slice(h.end, h.end + 30));
}
