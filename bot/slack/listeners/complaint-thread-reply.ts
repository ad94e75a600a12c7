import type { App } from "@slack/bolt";
import { reasonOf, tell } from "../context.js";
import { complaintTexts, slackToPlain, texts } from "../texts.js";
import { type ComplaintSlackContext, refusal } from "./complaint-context.js";
import { NOTE_PREFIX, type ThreadMessage } from "./thread-message.js";

/**
 * A message in a complaint card's thread from a clerk of the responsible department (or a supervisor) is the
 * department's reply to the citizen (ComplaintService.reply: stored, then delivered on the citizen's channel),
 * once the complaint is accepted. Each Slack message is acted on once whatever Slack redelivers: the event id is
 * deduplicated globally, the message itself by channel + ts.
 */
export function complaintThreadReply(app: App, ctx: ComplaintSlackContext): void {
  app.event("message", async ({ event, client }) => {
    const m = event as unknown as ThreadMessage;
    if (!m.thread_ts || m.thread_ts === m.ts || m.bot_id || !m.user) return;
    if (m.subtype !== undefined && m.subtype !== "thread_broadcast" && m.subtype !== "file_share") return;
    const card = await ctx.store.complaintCardByMessage(m.channel, m.thread_ts);
    if (!card) return; // not a complaint card (a crisis card's thread is handled by thread-reply.ts)
    if (!(await ctx.store.firstSeen(`msg:${m.channel}:${m.ts}`))) return;
    const where = { channel: m.channel, user: m.user, threadTs: m.thread_ts };

    const staff = await ctx.staffOf(m.user);
    if (!staff) return tell(ctx, client, where, texts.notLinked(m.user));
    const c = await ctx.complaints.get(card.complaintId);
    if (!c) return tell(ctx, client, where, complaintTexts.gone);
    const no = refusal(ctx, staff, c, m.channel);
    if (no) return tell(ctx, client, where, no);
    if (m.subtype === "file_share" || (m.files && m.files.length > 0)) {
      await tell(ctx, client, where, texts.attachmentRefused);
      if (!m.text?.trim()) return;
    }
    const text = slackToPlain(m.text ?? "");
    if (!text || NOTE_PREFIX.test(text)) return;
    if (c.state === "dispatched") return tell(ctx, client, where, complaintTexts.acceptFirst);
    if (c.state !== "accepted" && c.state !== "awaiting_info")
      return tell(ctx, client, where, complaintTexts.notOpen);
    try {
      await ctx.complaints.reply(c.id, staff, text);
    } catch (err) {
      await tell(ctx, client, where, reasonOf(ctx, err, complaintTexts.replyFailed));
    }
  });
}
