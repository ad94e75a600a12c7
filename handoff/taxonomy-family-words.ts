import { readFileSync } from "node:fs";
import { z } from "zod";
import { projectPath } from "../core/paths.js";
import type { Segmenter } from "../intents/segmenter.js";
import { COMPLAINT_FAMILIES } from "./complaint-categories.js";

/**
 * The 12345 taxonomy's own vocabulary as evidence for a letter's first-level family. Our categories are coarser
 * than the taxonomy and cut across it in places (buses and the metro are 城乡建设 there, traffic police 政法,
 * while our `transport` and `urban-management` take both), so the names of its second- and third-level classes
 * (物业服务, 燃气供应, 户籍管理, 刑事诉讼, 退耕还林…) say which family a matter is filed under where our
 * categories' keywords cannot.
 */

export const DEFAULT_COMPLAINT_TAXONOMY = projectPath("handoff", "data", "complaint-taxonomy.json");

const Taxonomy = z.object({
  source: z.string().min(4),
  taxonomy: z.record(z.enum(COMPLAINT_FAMILIES), z.record(z.string().min(2), z.array(z.string().min(1)))),
});

export type ComplaintFamily = (typeof COMPLAINT_FAMILIES)[number];

export interface TaxonomyFamilyWords {
  /** How many distinct words of each family's class names the letter's words contain; families without any absent. */
  hits(words: readonly string[]): Map<ComplaintFamily, number>;
  /** The words that speak for one family only. */
  readonly words: ReadonlyMap<string, ComplaintFamily>;
}

export function loadTaxonomyFamilyWords(
  segmenter: Segmenter,
  path: string = DEFAULT_COMPLAINT_TAXONOMY,
): TaxonomyFamilyWords {
  const { taxonomy } = Taxonomy.parse(JSON.parse(readFileSync(path, "utf8")));
  const familiesOf = new Map<string, Set<ComplaintFamily>>();
  for (const family of COMPLAINT_FAMILIES) {
    for (const [second, thirds] of Object.entries(taxonomy[family])) {
      // Cut as letters are cut, so that a name's words are looked up exactly as a letter's words come.
      for (const name of [second, ...thirds])
        for (const w of segmenter.cut(name)) {
          // Single characters (村, 水, 房) name no matter on their own.
          if (w.length < 2) continue;
          const fs = familiesOf.get(w) ?? new Set<ComplaintFamily>();
          fs.add(family);
          familiesOf.set(w, fs);
        }
    }
  }
  // A word under several families (管理, 安全, 补偿, 其他) tells them apart no better than not reading it.
  const words = new Map<string, ComplaintFamily>();
  for (const [w, fs] of familiesOf) if (fs.size === 1) words.set(w, [...fs][0] as ComplaintFamily);
  return {
    words,
    hits(letterWords) {
      const out = new Map<ComplaintFamily, number>();
      const seen = new Set<string>();
      for (const w of letterWords) {
        const family = words.get(w);
        if (family === undefined || seen.has(w)) continue;
        seen.add(w);
        out.set(family, (out.get(family) ?? 0) + 1);
      }
      return out;
    },
  };
}
