/**
 * Canonical text: what every crisis pattern and the crisis model see. Clause punctuation is folded into ，。？
 * (the boundaries), so the clause and sentence helpers below need look for those three only.
 */

export const BOUNDARY_COMMA = 0xff0c; // ，
export const BOUNDARY_STOP = 0x3002; // 。
export const BOUNDARY_QUESTION = 0xff1f; // ？

export const isBoundary = (c: number): boolean =>
  c === BOUNDARY_COMMA || c === BOUNDARY_STOP || c === BOUNDARY_QUESTION;

/** Letters, digits and the two marker characters Ⓜ Ⓝ the preparation puts in the model's input. */
export function isWordChar(c: number): boolean {
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
export class Canonicaliser {
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

/** Where the clause holding `pos` starts (just after the previous boundary). */
export function clauseStart(text: string, pos: number): number {
  let i = pos - 1;
  while (i >= 0 && !isBoundary(text.charCodeAt(i))) i--;
  return i + 1;
}

/** Where the sentence holding `pos` starts (just after the previous 。 or ？). */
export function sentenceStart(text: string, pos: number): number {
  let i = pos - 1;
  while (i >= 0) {
    const c = text.charCodeAt(i);
    if (c === BOUNDARY_STOP || c === BOUNDARY_QUESTION) break;
    i--;
  }
  return i + 1;
}

/** Where the sentence holding `pos` ends (at the next 。 or ？, or the end of the text). */
export function sentenceEnd(text: string, pos: number): number {
  let i = pos;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === BOUNDARY_STOP || c === BOUNDARY_QUESTION) break;
    i++;
  }
  return i;
}

/** Where the clause holding `pos` ends (at the next boundary, or the end of the text). */
export function clauseEnd(text: string, pos: number): number {
  let i = pos;
  while (i < text.length && !isBoundary(text.charCodeAt(i))) i++;
  return i;
}
