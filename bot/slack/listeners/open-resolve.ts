import type { App, BlockButtonAction } from "@slack/bolt";
import { isOpen } from "../../../handoff/case-state.js";
import { ACTION, resolveModal } from "../blocks.js";
import { reasonOf, type SlackContext, tell } from "../context.js";
import { texts } from "../texts.js";
import { mayAct } from "./permissions.js";

/** 结案: opens a modal with the outcome and the follow-up (required for imminent risk). */
export function openResolve(app: App, ctx: SlackContext): void {
  app.action<BlockButtonAction>({ action_id: ACTION.resolve }, async ({ ack, body, action, client }) => {
    await ack();
    const channel = body.channel?.id ?? "";
    const threadTs = body.message?.ts ?? "";
    // Told in the channel, next to the card the button is on.
    const where = { channel, user: body.user.id };
    const staff = await ctx.staffOf(body.user.id);
    if (!staff) return tell(ctx, client, where, texts.notLinked(body.user.id));
    const c = await ctx.handoff.get(action.value ?? "");
    if (!c) return tell(ctx, client, where, texts.caseGone);
    if (!isOpen(c.state)) return tell(ctx, client, where, texts.caseClosed);
    if (!mayAct(staff, c)) return tell(ctx, client, where, texts.onlyHolder);
    try {
      await client.views.open({
        trigger_id: body.trigger_id,
        view: resolveModal(c, { caseId: c.id, channel, threadTs }),
      });
    } catch (err) {
      await tell(ctx, client, where, reasonOf(ctx, err));
    }
  });
}
