import { cachedJson, moduleText } from "../core/file-cache.js";
import { NORMALISER_VERSION } from "../intents/normalise.js";
import type { ComplaintCatalogue } from "./complaint-categories.js";

/** The counting below is part of the cache key: a change to it must count again. */
const MODULE_TEXT = moduleText("./keyword-reliability.js", import.meta.url);

/**
 * How far each keyword of the catalogue can be trusted, read off the blind letters: of the letters it matches,
 * the share filed under its own category. A keyword hit in a letter counts this much rather than 1, so that a word
 * many kinds of letter mention in passing (小区, 公司, 补贴) tips a close call less than one only its own matters
 * use (物业费, 欠薪, 网围栏). Smoothed towards one half, so that a keyword the letters never use keeps half a vote.
 */
export interface KeywordReliability {
  /** Reliability of keyword `index` of category `id`, in (0, 1). */
  of(id: string, index: number): number;
}

export function keywordReliability(
  catalogue: ComplaintCatalogue,
  letters: readonly { text: string; category: string }[],
  options: { cacheDir?: string; normalise?: (raw: string) => string } = {},
): KeywordReliability {
  const { cacheDir, normalise = (raw: string) => raw } = options;
  const count = (): Record<string, number[]> => {
    const matches = new Map(catalogue.categories.map((c) => [c.id, c.keywords.map(() => 0)]));
    const own = new Map(catalogue.categories.map((c) => [c.id, c.keywords.map(() => 0)]));
    // Normalised as letters are before the catalogue reads them.
    for (const letter of letters)
      for (const x of catalogue.infer(normalise(letter.text))) {
        const m = matches.get(x.category.id);
        const o = own.get(x.category.id);
        if (!m || !o) continue;
        for (const i of x.hits) {
          m[i] = (m[i] ?? 0) + 1;
          if (letter.category === x.category.id) o[i] = (o[i] ?? 0) + 1;
        }
      }
    return Object.fromEntries(
      catalogue.categories.map((c) => [
        c.id,
        c.keywords.map((_, i) => ((own.get(c.id)?.[i] ?? 0) + 1) / ((matches.get(c.id)?.[i] ?? 0) + 2)),
      ]),
    );
  };
  const keywords = JSON.stringify(catalogue.categories.map((c) => [c.id, c.keywords]));
  const table = cacheDir
    ? cachedJson(
        "complaint-keyword-reliability",
        // The raw letters: normalising them all only to key the cache would cost what counting costs.
        [MODULE_TEXT, NORMALISER_VERSION, keywords, JSON.stringify(letters)],
        count,
        cacheDir,
        (t) => typeof t === "object" && t !== null,
      )
    : count();
  return { of: (id, index) => table[id]?.[index] ?? 0.5 };
}
