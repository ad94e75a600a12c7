import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { moduleText } from "../core/file-cache.js";
import { projectPath } from "../core/paths.js";
import { type Tokens, Vocabulary } from "./vocabulary.js";

export interface Segmenter {
  /** Words of an already-normalised text, whitespace and punctuation dropped. */
  cut(text: string): string[];
  /** The same words with their ids in `vocabulary`, for the stages that look words up. */
  tokens(text: string): Tokens;
  /** Every word the stages built on this segmenter know (they add theirs as they are built). */
  readonly vocabulary: Vocabulary;
  /**
   * The shorter dictionary words inside a word (jieba's search mode: 拖欠工资 → 拖欠, 工资), without the word
   * itself; empty for most words.
   */
  parts(word: string): string[];
  /**
   * Words with jieba's part-of-speech tags (ns place, n noun, v verb, x unknown or punctuation, …), punctuation
   * kept so that callers can see clause boundaries. Costs about one `cut`.
   */
  tag(text: string): TaggedWord[];
  /** Changes whenever the same text could be cut differently: part of the key of anything cached from cuts. */
  readonly version: string;
}

export interface TaggedWord {
  word: string;
  tag: string;
}

export const DEFAULT_USER_DICT = projectPath("intents", "data", "user-dict.txt");

const PUNCT_OR_SPACE = /^[\s\p{P}\p{S}]+$/u;
/**
 * A word that starts with an ideograph, a Latin letter or a digit is not all punctuation and symbols: most of a
 * message's words keep without running the Unicode regex.
 */
const startsAsWord = (c: number): boolean =>
  (c >= 0x4e00 && c <= 0x9fff) ||
  (c >= 0x61 && c <= 0x7a) ||
  (c >= 0x30 && c <= 0x39) ||
  (c >= 0x41 && c <= 0x5a);
const isWord = (w: string): boolean => startsAsWord(w.charCodeAt(0)) || !PUNCT_OR_SPACE.test(w);

interface Jieba {
  DEFAULT_DICT: string;
  load(opts: { dict?: string; userDict?: string; idfDict?: string; stopWordDict?: string }): unknown;
  cut(text: string, hmm?: boolean): string[];
  cutForSearch(text: string, hmm?: boolean): string[];
  tag(text: string): TaggedWord[];
}

let loadedWith: string | undefined;

const JIEBA_VERSION = (createRequire(import.meta.url)("nodejieba/package.json") as { version: string })
  .version;

/** Words seen fewer times than this in jieba's corpus are left out of the main dictionary (see leanDictionary). */
const MIN_FREQUENCY = 50;

/**
 * jieba's full dictionary (349k words) costs about 1 s and 240 MB resident to load, mostly for rare words.
 * Keeping words seen at least MIN_FREQUENCY times (52k) loads in about a fifth of the time with far less memory,
 * and our domain terms and places come from the user dictionary anyway. Measured against a threshold of 10 (105k
 * words, twice the load time): the same knowledge-base answers on every phrasing and training example, one
 * held-out intent example of 289 different (README, "Speed"). The lean copy is derived once from the installed
 * package and cached; keyword extraction (IDF, stop words) is unused, so it gets one-line stand-ins.
 */
function leanDictionary(
  jieba: Jieba,
  cacheDir: string,
): { dict: string; idfDict: string; stopWordDict: string } {
  const dict = join(cacheDir, `jieba-main-min${MIN_FREQUENCY}-${JIEBA_VERSION}.dict.utf8`);
  const idfDict = join(cacheDir, "jieba-idf-unused.utf8");
  const stopWordDict = join(cacheDir, "jieba-stop-unused.utf8");
  if (!existsSync(dict) || !existsSync(idfDict) || !existsSync(stopWordDict)) {
    mkdirSync(dirname(dict), { recursive: true });
    const kept = readFileSync(jieba.DEFAULT_DICT, "utf8")
      .split("\n")
      .filter((line) => Number(line.split(" ")[1]) >= MIN_FREQUENCY)
      .join("\n");
    const write = (file: string, text: string) => {
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, text);
      renameSync(tmp, file);
    };
    write(dict, `${kept}\n`);
    write(idfDict, "的 1.0\n");
    write(stopWordDict, "的\n");
  }
  return { dict, idfDict, stopWordDict };
}

/**
 * nodejieba holds one global dictionary per process, so every segmenter in a process must agree on the user
 * dictionary; asking for a different one is a programming error, not something to paper over.
 */
export const DEFAULT_DICT_CACHE = projectPath("data", "cache");

export function createSegmenter(
  userDictPath: string = DEFAULT_USER_DICT,
  cacheDir: string = DEFAULT_DICT_CACHE,
): Segmenter {
  // A missing user dictionary makes cppjieba abort the whole process (SIGABRT), which no try/catch can stop.
  if (!existsSync(userDictPath)) throw new Error(`jieba user dictionary not found: ${userDictPath}`);
  const jieba = createRequire(import.meta.url)("nodejieba") as Jieba;
  if (loadedWith === undefined) {
    jieba.load({ ...leanDictionary(jieba, cacheDir), userDict: userDictPath });
    loadedWith = userDictPath;
  } else if (loadedWith !== userDictPath) {
    throw new Error(`nodejieba is already loaded with ${loadedWith}; one user dictionary per process`);
  }
  const version = createHash("sha256")
    .update(
      `${JIEBA_VERSION}\u0000min${MIN_FREQUENCY}\u0000${moduleText("./segmenter.js", import.meta.url)}\u0000`,
    )
    .update(readFileSync(userDictPath))
    .digest("hex")
    .slice(0, 16);
  const cut = (text: string): string[] =>
    text.length === 0 ? [] : jieba.cut(text, true).filter((w) => !PUNCT_OR_SPACE.test(w));
  const vocabulary = new Vocabulary();
  return {
    version,
    vocabulary,
    cut,
    tokens: (text) => vocabulary.tokens(text.length === 0 ? [] : jieba.cut(text, true).filter(isWord)),
    parts(word) {
      if (word.length < 3) return [];
      return jieba.cutForSearch(word, true).filter((w) => w !== word && !PUNCT_OR_SPACE.test(w));
    },
    tag: (text) => (text.length === 0 ? [] : jieba.tag(text)),
  };
}
