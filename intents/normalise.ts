import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Converter } from "opencc-js/t2cn";
import { cachedJson, moduleText } from "../core/file-cache.js";

// opencc-js does not export its package.json; its main file sits at dist/umd/ inside the package.
const OPENCC_VERSION = readFileSync(
  join(dirname(createRequire(import.meta.url).resolve("opencc-js")), "..", "..", "package.json"),
  "utf8",
);

/** Changes whenever the normaliser could turn the same text into another: part of keys of what is cached from it. */
export const NORMALISER_VERSION = `${OPENCC_VERSION}\u0000${moduleText("./normalise.js", import.meta.url)}`;

export interface Normalised {
  /** The text as the citizen sent it, kept for the log and the transcript. */
  original: string;
  /** Simplified, half-width, single-spaced, control characters removed, lower-cased Latin. */
  text: string;
  /** True when the text contains Mongolian script (U+1800–U+18AF). */
  hasMongolian: boolean;
  /** Share of letters that are CJK ideographs (0..1); low values mean we probably cannot read it. */
  cjkRatio: number;
  /** Letters of any script in `text`. */
  letters: number;
}

export type Normaliser = (raw: string) => Normalised;

// C0/C1 controls, zero-width and bidi marks: invisible characters that break matching and can hide content.
const INVISIBLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/g;
const MONGOLIAN = /[\u1800-\u18af]/;
const LETTER = /\p{L}/u;
const TRADITIONAL = 1;
const STABLE = 2;
const SPACE = 0x20;
/** CJK Unified Ideographs, the block nearly every message is written in. */
export const IDEOGRAPHS = [0x4e00, 0x9fff] as const;
/** Printable ASCII, general and CJK punctuation. */
const STABLE_CANDIDATES: readonly (readonly [number, number])[] = [
  [0x21, 0x7e],
  [0x2010, 0x2027],
  [0x3001, 0x301f],
];

/**
 * Builds the normaliser once: the traditional→simplified converter is costly per call (about 5 µs), so we
 * only run it on texts that contain at least one character it would change.
 */
export function createNormaliser(): Normaliser {
  const t2s = Converter({ from: "t", to: "cn" });
  // Which ideographs the converter changes: derived once per opencc-js version (about 100 ms), then cached.
  const chars = cachedJson("traditional-chars", [OPENCC_VERSION], () => {
    let out = "";
    for (let c = 0x4e00; c <= 0x9fff; c++) {
      const ch = String.fromCharCode(c);
      if (t2s(ch) !== ch) out += ch;
    }
    return out;
  });
  // One byte of flags per UTF-16 code unit: a table look-up per character, no string per character.
  const flags = new Uint8Array(0x10000);
  for (let i = 0; i < chars.length; i++) flags[chars.charCodeAt(i)] = TRADITIONAL;
  // Characters that every step below leaves as they are, so that a text made only of them (most messages) skips
  // the steps. The ranges hold no combining marks, so NFKC of such a text is the concatenation of its characters'
  // NFKC. The basic ideographs have no decomposition and no case (a test checks every one): only the converter
  // changes some of them. The few hundred punctuation characters are checked here, one by one.
  for (let c = IDEOGRAPHS[0]; c <= IDEOGRAPHS[1]; c++) if (flags[c] === 0) flags[c] = STABLE;
  for (const [from, to] of STABLE_CANDIDATES)
    for (let c = from; c <= to; c++) {
      const ch = String.fromCharCode(c);
      if (ch.normalize("NFKC") === ch && ch.toLowerCase() === ch && !/[\s\p{Cc}\p{Cf}]/u.test(ch))
        flags[c] = STABLE;
    }
  const needsConversion = (s: string): boolean => {
    for (let i = 0; i < s.length; i++) if (flags[s.charCodeAt(i)] === TRADITIONAL) return true;
    return false;
  };
  /** True when normalising would not change the text: stable characters, single inner spaces. */
  const alreadyNormal = (s: string): boolean => {
    const last = s.length - 1;
    for (let i = 0; i <= last; i++) {
      const c = s.charCodeAt(i);
      if (flags[c] === STABLE) continue;
      if (c !== SPACE || i === 0 || i === last || s.charCodeAt(i - 1) === SPACE) return false;
    }
    return true;
  };

  return (raw: string): Normalised => {
    let text = raw;
    if (!alreadyNormal(raw)) {
      // NFKC folds full-width letters, digits, punctuation and the ideographic space (U+3000) to half-width.
      text = raw.normalize("NFKC").replace(INVISIBLE, "");
      if (needsConversion(text)) text = t2s(text);
      text = text.replace(/\s+/g, " ").trim().toLowerCase();
    }
    let letters = 0;
    let cjk = 0;
    let mongolian = false;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if ((c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf)) {
        letters++;
        cjk++;
      } else if (c >= 0x1800 && c <= 0x18af) {
        mongolian = true;
        letters++;
      } else if ((c >= 0x61 && c <= 0x7a) || (c >= 0xc0 && c < 0x2000 && LETTER.test(text[i] ?? "")))
        letters++;
    }
    return {
      original: raw,
      text,
      // The loop above read every character of an unchanged text: the raw text needs its own scan only when
      // normalising changed it.
      hasMongolian: mongolian || (text !== raw && MONGOLIAN.test(raw)),
      cjkRatio: letters === 0 ? 0 : cjk / letters,
      letters,
    };
  };
}
