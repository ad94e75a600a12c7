import type { App, BlockButtonAction } from "@slack/bolt";
import { ACTION } from "../blocks.js";
import { reasonOf, type SlackContext, tell } from "../context.js";
import { texts } from "../texts.js";

/**
 * 认领: the same operation as the console's claim (handoff.claim), with the same compare-and-set; whoever
 * loses the race is told privately why (usually "此个案已被其他同事认领").
 */
export function claimCase(app: App, ctx: SlackContext): void {
  app.action<BlockButtonAction>({ action_id: ACTION.claim }, async ({ ack, body, action, client }) => {
    await ack();
    const channel = body.channel?.id;
    // Told in the channel, next to the card the button is on.
    const where = { channel: channel ?? "", user: body.user.id };
    const staff = await ctx.staffOf(body.user.id);
    if (!staff) {
      if (channel) await tell(ctx, client, where, texts.notLinked(body.user.id));
      return;
    }
    const caseId = action.value ?? "";
    try {
      await ctx.board.exclusive(caseId, async () => {
        await ctx.handoff.claim(caseId, staff);
        const card = await ctx.store.card(caseId);
        const [who] = await ctx.board.mentions([staff]);
        if (card) await ctx.board.thread(card, texts.claimedThread(who ?? staff.displayName));
      });
      if (channel) await tell(ctx, client, where, texts.claimed(caseId));
    } catch (err) {
      if (channel) await tell(ctx, client, where, reasonOf(ctx, err));
    }
  });
}
