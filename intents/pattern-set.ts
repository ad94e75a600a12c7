/**
 * Matching an ordered list of pattern groups the way one combined `(g1)|(g2)|…` regex would, without paying for
 * it at every position.
 *
 * V8 tries a combined regex's alternatives one after the other at each position; the crisis lexicon has about
 * two hundred of them, and many begin with characters as common as 我, 不 or 想, so a short message cost
 * thousands of failed alternative starts. We compute the set of characters each pattern's match can start with
 * (a small parser for the regex subset the lexicon uses), and at a position try only the patterns that can start
 * with its character, in their original order. Leftmost match first, and the first alternative in order at that
 * position: exactly what the combined regex returns (a test compares the two on the gate sets and training
 * texts).
 */

export interface FirstSet {
  chars: Set<string>;
  /** Some match can start with any character (negated class, dot, \s…): no prefilter possible. */
  any: boolean;
  /** The expression can match the empty string. */
  nullable: boolean;
}

/**
 * Characters a match of `source` can start with. One recursive-descent pass over the regex subset the lexicon
 * uses, adding to a single set while everything read before can still be empty (`into` is null otherwise).
 */
/** How many capturing groups a regex source has (it must compile). */
export function captureCount(source: string): number {
  return (new RegExp(`(?:${source})|`).exec("") ?? []).length - 1;
}

const CONTROL_ESCAPES: Record<string, string> = { t: "\t", n: "\n", r: "\r", f: "\f", v: "\v" };

export function firstSet(source: string): FirstSet {
  const chars = new Set<string>();
  let any = false;
  let i = 0;
  const add = (into: Set<string> | null, ch: string) => {
    if (into) into.add(ch);
  };
  /** Returns whether the alternation can match the empty string. */
  const alternation = (into: Set<string> | null): boolean => {
    let nullable = false;
    for (;;) {
      if (sequence(into)) nullable = true;
      if (source[i] !== "|") return nullable;
      i++;
    }
  };
  const sequence = (into: Set<string> | null): boolean => {
    let allNullable = true; // everything read so far can be empty: the next atom can start a match
    while (i < source.length && source[i] !== "|" && source[i] !== ")") {
      let nullable = atom(allNullable ? into : null);
      const q = source[i];
      if (q === "?" || q === "*") {
        nullable = true;
        i++;
      } else if (q === "+") i++;
      else if (q === "{") {
        const close = source.indexOf("}", i);
        if (source[i + 1] === "0") nullable = true;
        i = close + 1;
      }
      if (source[i] === "?") i++; // lazy
      if (!nullable) allNullable = false;
    }
    return allNullable;
  };
  const charClass = (into: Set<string> | null): void => {
    i++; // [
    if (source[i] === "^" && into) any = true;
    let prev = "";
    while (i < source.length && source[i] !== "]") {
      const ch = source[i] ?? "";
      if (ch === "\\") {
        const esc = readEscape(into);
        prev = esc ?? "";
      } else if (ch === "-" && prev && source[i + 1] !== "]") {
        // The range's end may itself be an escape (\u9fff); one we cannot read as a character leaves no prefilter.
        i++;
        const end = source[i] === "\\" ? readEscape(null) : (source[i++] ?? "");
        if (end === null) {
          if (into) any = true;
        } else {
          for (let c = prev.charCodeAt(0); c <= end.charCodeAt(0); c++) add(into, String.fromCharCode(c));
        }
        prev = "";
      } else {
        add(into, ch);
        prev = ch;
        i++;
      }
    }
    i++; // ]
  };
  /**
   * Reads an escape at source[i]; adds what it stands for and returns it when it is a single character. An escape
   * this parser does not know makes the pattern start "anywhere": slower, never a missed match.
   */
  const readEscape = (into: Set<string> | null): string | null => {
    const e = source[i + 1] ?? "";
    i += 2;
    let ch: string | null = null;
    if (e === "u" || e === "x") {
      const digits = e === "u" ? 4 : 2;
      const hex = source.slice(i, i + digits);
      if (/^[0-9a-fA-F]+$/.test(hex) && hex.length === digits) {
        ch = String.fromCharCode(Number.parseInt(hex, 16));
        i += digits;
      }
    } else if (e === "d") {
      for (const d of "0123456789") add(into, d);
      return null;
    } else if (e in CONTROL_ESCAPES) ch = CONTROL_ESCAPES[e] ?? null;
    else if (!/[0-9A-Za-z]/.test(e)) ch = e; // \. \( \? …: the character itself
    if (ch === null) {
      if (into) any = true;
      return null;
    }
    add(into, ch);
    return ch;
  };
  /** Returns whether the atom can match the empty string. */
  const atom = (into: Set<string> | null): boolean => {
    const ch = source[i] ?? "";
    if (ch === "(") {
      i++;
      let zeroWidth = false;
      if (source[i] === "?") {
        const kind = source.slice(i, i + 3);
        if (kind.startsWith("?:")) i += 2;
        else if (kind === "?<=" || kind === "?<!") {
          i += 3;
          zeroWidth = true;
        } else if (kind.startsWith("?=") || kind.startsWith("?!")) {
          i += 2;
          zeroWidth = true;
        } else if (kind.startsWith("?<")) i = source.indexOf(">", i) + 1;
      }
      const nullable = alternation(zeroWidth ? null : into);
      i++; // )
      return zeroWidth || nullable;
    }
    if (ch === "[") {
      charClass(into);
      return false;
    }
    if (ch === "^" || ch === "$") {
      i++;
      return true;
    }
    if (ch === ".") {
      i++;
      if (into) any = true;
      return false;
    }
    if (ch === "\\") {
      readEscape(into);
      return false;
    }
    i++;
    add(into, ch);
    return false;
  };
  const nullable = alternation(chars);
  return { chars, any, nullable };
}

/** `(?=[first chars])(?:source)` when every match must start with one of a known set of characters. */
export function withPrefilter(sources: readonly string[], combined: string): string {
  const chars = new Set<string>();
  for (const src of sources) {
    const f = firstSet(src);
    if (f.any || f.nullable) return combined;
    for (const ch of f.chars) chars.add(ch);
  }
  const cls = [...chars].map((ch) => (/[\]\\^-]/.test(ch) ? `\\${ch}` : ch)).join("");
  return `(?=[${cls}])(?:${combined})`;
}

/** One match: which group (index into the groups given), where, and the matched text. */
export interface PatternMatch {
  group: number;
  index: number;
  text: string;
}

/** A sticky regex of the patterns that can start with some characters, and the group of each capture. */
interface Dispatch {
  re: RegExp;
  groupOfCapture: Int32Array;
}

export class PatternSet {
  /** Per UTF-16 code unit whose bit in `starts` is set, its dispatch: dispatches[dispatchOf[c]]. */
  private readonly dispatchOf = new Uint16Array(0x10000);
  private readonly dispatches: Dispatch[] = [];
  /**
   * One bit per UTF-16 code unit: set when some pattern can start with it. 8 KB that stay in cache, tested before
   * the map, since most characters of a message start no pattern.
   */
  private readonly starts = new Uint32Array(0x10000 / 32);
  /** Patterns that can start anywhere (or match empty): tried at every position, in their place in the order. */
  private readonly anywhere: Dispatch | null;

  /** `groups[i]` lists the regex sources of group i; earlier groups win at the same position. */
  constructor(groups: readonly (readonly string[])[]) {
    type Item = { group: number; source: string };
    const items: Item[] = groups.flatMap((sources, group) => sources.map((source) => ({ group, source })));
    for (const { source } of items) {
      // Each group is one capture of ours: a capture inside a pattern would be taken for the next group.
      if (captureCount(source) > 0) throw new Error(`pattern has capturing groups (use (?:...)): ${source}`);
    }
    const firsts = items.map((it) => firstSet(it.source));
    const wild = (i: number) => firsts[i]?.any === true || firsts[i]?.nullable === true;
    const build = (selected: number[]): Dispatch | null => {
      if (selected.length === 0) return null;
      // Consecutive patterns of one group share one capture, as in the combined regex.
      const parts: string[] = [];
      const captures: number[] = [];
      for (const i of selected) {
        const it = items[i] as Item;
        if (captures.length > 0 && captures[captures.length - 1] === it.group) {
          parts[parts.length - 1] = `${parts[parts.length - 1]}|(?:${it.source})`;
        } else {
          parts.push(`(?:${it.source})`);
          captures.push(it.group);
        }
      }
      return {
        re: new RegExp(parts.map((p) => `(${p})`).join("|"), "y"),
        groupOfCapture: Int32Array.from(captures),
      };
    };
    const chars = new Set<string>();
    for (const f of firsts) for (const ch of f.chars) chars.add(ch);
    // Characters whose pattern lists are equal share one compiled regex.
    const shared = new Map<string, number>();
    for (const ch of chars) {
      const selected = items.map((_, i) => i).filter((i) => wild(i) || firsts[i]?.chars.has(ch));
      const key = selected.join(",");
      let at = shared.get(key);
      if (at === undefined) {
        const d = build(selected);
        at = d ? this.dispatches.push(d) - 1 : -1;
        shared.set(key, at);
      }
      if (at >= 0) {
        const c = ch.charCodeAt(0);
        this.dispatchOf[c] = at;
        this.starts[c >>> 5] = (this.starts[c >>> 5] as number) | (1 << (c & 31));
      }
    }
    this.anywhere = build(items.map((_, i) => i).filter(wild));
  }

  /** The leftmost match starting at or after `from`, or null. */
  next(text: string, from: number): PatternMatch | null {
    const starts = this.starts;
    const anywhere = this.anywhere;
    // Up to and including the end: a pattern that can match empty may match there.
    for (let i = from; i <= text.length; i++) {
      const c = i < text.length ? text.charCodeAt(i) : -1;
      const d =
        c >= 0 && ((starts[c >>> 5] as number) & (1 << (c & 31))) !== 0
          ? (this.dispatches[this.dispatchOf[c] as number] as Dispatch)
          : anywhere;
      if (d === null) continue;
      d.re.lastIndex = i;
      const m = d.re.exec(text);
      if (m === null) continue;
      for (let g = 1; g < m.length; g++) {
        if (m[g] !== undefined) return { group: d.groupOfCapture[g - 1] as number, index: i, text: m[0] };
      }
    }
    return null;
  }
}
