import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { projectPath } from "../bot/paths.js";

export interface Segmenter {
  /** Words of an already-normalised text, whitespace and punctuation dropped. */
  cut(text: string): string[];
}

export const DEFAULT_USER_DICT = projectPath("intents", "data", "user-dict.txt");

const PUNCT_OR_SPACE = /^[\s\p{P}\p{S}]+$/u;

interface Jieba {
  load(opts: { userDict?: string }): unknown;
  cut(text: string, hmm?: boolean): string[];
}

let loadedWith: string | undefined;

/**
 * nodejieba holds one global dictionary per process, so every segmenter in a process must agree on the user
 * dictionary; asking for a different one is a programming error, not something to paper over.
 */
export function createSegmenter(userDictPath: string = DEFAULT_USER_DICT): Segmenter {
  // A missing user dictionary makes cppjieba abort the whole process (SIGABRT), which no try/catch can stop.
  if (!existsSync(userDictPath)) throw new Error(`jieba user dictionary not found: ${userDictPath}`);
  const jieba = createRequire(import.meta.url)("nodejieba") as Jieba;
  if (loadedWith === undefined) {
    jieba.load({ userDict: userDictPath });
    loadedWith = userDictPath;
  } else if (loadedWith !== userDictPath) {
    throw new Error(`nodejieba is already loaded with ${loadedWith}; one user dictionary per process`);
  }
  return {
    cut(text) {
      if (text.length === 0) return [];
      return jieba.cut(text, true).filter((w) => !PUNCT_OR_SPACE.test(w));
    },
  };
}
