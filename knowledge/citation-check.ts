import type { KnowledgeEntry } from "./schema.js";
import type { StatuteCorpus } from "./statutes.js";

export interface CitationProblem {
  entry: string;
  law: string;
  article?: string;
  reason: string;
}

export interface CitationReport {
  entries: number;
  citations: number;
  /** Law and article found in the shipped corpus, in force. */
  verified: number;
  /** Outside the corpus (e.g. an Inner Mongolia regulation), with a note of where its title and article were checked. */
  external: CitationProblem[];
  unverified: CitationProblem[];
  repealed: CitationProblem[];
}

/** A note saying where a citation outside the corpus was checked: 「已核对于 …」. */
const CHECKED_NOTE = /已核对/;

/**
 * Every citation must name a law in force and an article of it that exists. A law outside the corpus passes only
 * with a note of where it was checked, and is counted apart so that a reviewer can see how many rest on a note.
 */
export function checkCitations(entries: readonly KnowledgeEntry[], corpus: StatuteCorpus): CitationReport {
  const report: CitationReport = {
    entries: entries.length,
    citations: 0,
    verified: 0,
    external: [],
    unverified: [],
    repealed: [],
  };
  for (const entry of entries) {
    for (const c of entry.citations) {
      report.citations++;
      const base = { entry: entry.id, law: c.law, ...(c.article ? { article: c.article } : {}) };
      const repealed = corpus.repealed(c.law);
      if (repealed) {
        report.repealed.push({ ...base, reason: `repealed; replaced by ${repealed.replacedBy}` });
        continue;
      }
      const outdated = corpus.outdated(c.law);
      if (outdated) {
        report.unverified.push({ ...base, reason: `the corpus text is outdated: ${outdated}` });
        continue;
      }
      const law = corpus.law(c.law);
      if (!law) {
        if (c.article && c.note && CHECKED_NOTE.test(c.note))
          report.external.push({ ...base, reason: c.note });
        else
          report.unverified.push({
            ...base,
            reason: "law not in the corpus and no note of where it was checked",
          });
        continue;
      }
      if (law.title !== c.law) {
        report.unverified.push({ ...base, reason: `write the law's full title: ${law.title}` });
        continue;
      }
      if (!c.article) {
        report.unverified.push({ ...base, reason: "no article" });
        continue;
      }
      if (!corpus.article(law.title, c.article)) {
        report.unverified.push({ ...base, reason: `${law.title} has no ${c.article}` });
        continue;
      }
      report.verified++;
    }
  }
  return report;
}
