import type { App } from "@slack/bolt";
import { isAppError } from "../../../core/app-error.js";
import { isOpen } from "../../../handoff/case-state.js";
import { reasonOf, type SlackContext, tell } from "../context.js";
import { slackToPlain, texts } from "../texts.js";
import { NOTE_PREFIX, type ThreadMessage } from "./thread-message.js";

/**
 * A staff message in a case card's thread. From the holder it is the reply to the citizen (handoff.reply:
 * stored, then delivered on the citizen's channel); `//` makes it an internal note. Each Slack message is
 * acted on once, whatever Slack redelivers (key: channel + ts).
 */
export function threadReply(app: App, ctx: SlackContext): void {
  app.event("message", async ({ event, client }) => {
    const m = event as unknown as ThreadMessage;
    if (!m.thread_ts || m.thread_ts === m.ts || m.bot_id || !m.user) return;
    if (m.subtype !== undefined && m.subtype !== "thread_broadcast" && m.subtype !== "file_share") return;
    const card = await ctx.store.cardByMessage(m.channel, m.thread_ts);
    if (!card) return; // a thread that is not a case card: ordinary conversation among staff
    if (!(await ctx.store.firstSeen(`msg:${m.channel}:${m.ts}`))) return;
    const where = { channel: m.channel, user: m.user, threadTs: m.thread_ts };

    const staff = await ctx.staffOf(m.user);
    if (!staff) return tell(ctx, client, where, texts.notLinked(m.user));
    if (m.subtype === "file_share" || (m.files && m.files.length > 0)) {
      await tell(ctx, client, where, texts.attachmentRefused);
      if (!m.text?.trim()) return;
    }
    const text = slackToPlain(m.text ?? "");
    if (!text) return;

    const note = NOTE_PREFIX.exec(text);
    if (note) {
      try {
        await ctx.handoff.note(card.caseId, staff, text.slice(note[0].length));
        await tell(ctx, client, where, texts.noteSaved);
      } catch (err) {
        await tell(ctx, client, where, reasonOf(ctx, err));
      }
      return;
    }

    const c = await ctx.handoff.get(card.caseId);
    if (!c || !isOpen(c.state)) return tell(ctx, client, where, texts.notOpen);

    // In the case's queue: the reply is stored and the thread's mark moved past it before any mirroring runs,
    // so the staff member's own message is not copied back into the thread.
    const failure = await ctx.board.exclusive(card.caseId, async () => {
      let stored: number | undefined;
      let error: unknown;
      try {
        const r = await ctx.handoff.reply(card.caseId, staff, text);
        stored = r.eventId;
        error = r.undelivered;
      } catch (err) {
        error = err;
      }
      if (stored !== undefined) await ctx.board.mirror(card.caseId, new Set([stored]));
      if (error === undefined) return undefined;
      if (isAppError(error) && error.code === "forbidden") return texts.notHolder;
      if (stored !== undefined) {
        ctx.logger.error({ err: error, caseId: card.caseId }, "slack: reply stored but not delivered");
        return texts.replyStoredNotPushed;
      }
      return reasonOf(ctx, error, texts.replyFailed);
    });
    if (failure) await tell(ctx, client, where, failure);
  });
}
