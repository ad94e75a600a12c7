/**
 * A campaign as a subscriber sees it, on every channel and in the console's preview alike: heading, body, the
 * citations of what is attached, and how to stop receiving it. One function, so the preview cannot drift from
 * what is sent.
 */
import { campaignMessages } from "../handoff/messages.js";
import type { Reply } from "../handoff/reply.js";
import type { Citation, KnowledgeEntry } from "../knowledge/schema.js";
import type { Article } from "../knowledge/statutes.js";
import type { Attachment } from "./campaign-records.js";
import { topicNames } from "./topics.js";

/** Where attached knowledge entries and statute articles are looked up. */
export interface CampaignLibrary {
  entry(id: string): KnowledgeEntry | undefined;
  article(law: string, article: string): Article | undefined;
}

export const MORE_COMMAND = campaignMessages.moreButton;
/** The payload of 「了解更多」: it names the campaign, so the press is counted and answered from it. */
export const morePayload = (campaignId: number) => `${MORE_COMMAND} #${campaignId}`;
export const MORE_PATTERN = /^了解更多\s*#(\d{1,9})$/;

export function citationsOf(attachments: readonly Attachment[], lib: CampaignLibrary): Citation[] {
  const out: Citation[] = [];
  const seen = new Set<string>();
  const add = (c: Citation) => {
    const key = `${c.law}|${c.article ?? ""}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(c);
  };
  for (const a of attachments) {
    if (a.kind === "entry")
      for (const c of lib.entry(a.id)?.citations ?? [])
        add({ law: c.law, ...(c.article ? { article: c.article } : {}) });
    else {
      const art = lib.article(a.law, a.article);
      if (art) add({ law: art.law.replace(/^中华人民共和国/, ""), article: art.label });
    }
  }
  return out;
}

export function renderCampaign(
  c: {
    id: number;
    title: string;
    body: string;
    attachments: readonly Attachment[];
    topics: readonly string[];
  },
  lib: CampaignLibrary,
): Reply {
  const citations = citationsOf(c.attachments, lib);
  const names = topicNames(c.topics);
  const parts = [`${campaignMessages.heading(c.title)}\n${c.body}`];
  if (citations.length > 0)
    parts.push(
      `${campaignMessages.citationsHeading}\n${citations.map((x) => `《${x.law}》${x.article ?? ""}`).join("\n")}`,
    );
  parts.push(campaignMessages.footer(names));
  return {
    kind: "campaign",
    text: parts.join("\n\n"),
    buttons: [
      ...(c.attachments.length > 0 ? [{ label: MORE_COMMAND, payload: morePayload(c.id) }] : []),
      ...names.slice(0, 2).map((n) => ({
        label: campaignMessages.unsubscribeButton(n),
        payload: campaignMessages.unsubscribeButton(n),
      })),
    ],
    ...(citations.length > 0 ? { citations } : {}),
  };
}
