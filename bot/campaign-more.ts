/** 「了解更多」 under a campaign message: the attached knowledge entries and statute articles, in full. */
import type { CampaignService } from "../campaigns/campaigns.js";
import type { CampaignLibrary } from "../campaigns/render.js";
import { campaignMessages } from "../handoff/messages.js";
import type { Reply } from "../handoff/reply.js";
import { messages } from "./messages.js";

export function campaignMore(campaigns: CampaignService, library: CampaignLibrary) {
  return async (conversationId: string, id: number, at: string): Promise<Reply[]> => {
    const attachments = await campaigns.open(conversationId, id, at);
    const replies: Reply[] = [];
    for (const a of attachments ?? []) {
      if (a.kind === "entry") {
        const entry = library.entry(a.id);
        if (entry)
          replies.push({
            kind: "answer",
            text: messages.answer(entry),
            answerId: entry.id,
            citations: entry.citations,
          });
      } else {
        const art = library.article(a.law, a.article);
        if (art)
          replies.push({
            kind: "answer",
            text: campaignMessages.moreArticle(art.law, art.label, art.paragraphs.join("\n")),
            citations: [{ law: art.law, article: art.label }],
          });
      }
    }
    return replies.length > 0 ? replies : [{ kind: "campaign", text: campaignMessages.moreGone }];
  };
}
