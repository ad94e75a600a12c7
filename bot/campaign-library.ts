import type { CampaignLibrary } from "../campaigns/render.js";
import type { KnowledgeEntry } from "../knowledge/schema.js";
import type { StatuteCorpus } from "../knowledge/statutes.js";

/**
 * Knowledge entries and statute articles for campaigns to attach, loaded on first use: the CLI's `campaign
 * status` needs neither, and the statutes take a moment to read.
 */
export function campaignLibrary(
  entries: () => readonly KnowledgeEntry[],
  statutes: () => StatuteCorpus,
): CampaignLibrary {
  let byId: Map<string, KnowledgeEntry> | undefined;
  let corpus: StatuteCorpus | undefined;
  return {
    entry(id) {
      byId ??= new Map(entries().map((e) => [e.id, e]));
      return byId.get(id);
    },
    article(law, article) {
      corpus ??= statutes();
      return corpus.article(law, article);
    },
  };
}
