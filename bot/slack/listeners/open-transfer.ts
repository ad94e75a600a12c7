import type { App, BlockButtonAction } from "@slack/bolt";
import { isOpen } from "../../../handoff/case-state.js";
import { ACTION, transferModal } from "../blocks.js";
import { reasonOf, type SlackContext, tell } from "../context.js";
import { texts } from "../texts.js";
import { mayAct } from "./permissions.js";

/** 转交: opens a modal listing the counselors and supervisors the case can go to. */
export function openTransfer(app: App, ctx: SlackContext): void {
  app.action<BlockButtonAction>({ action_id: ACTION.transfer }, async ({ ack, body, action, client }) => {
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
    const candidates = (await ctx.staff.list()).filter(
      (s) => (s.role === "counselor" || s.role === "supervisor") && s.id !== staff.id && s.id !== c.holderId,
    );
    if (candidates.length === 0) return tell(ctx, client, where, texts.noTransferTarget);
    try {
      await client.views.open({
        trigger_id: body.trigger_id,
        view: transferModal(c, candidates, { caseId: c.id, channel, threadTs }),
      });
    } catch (err) {
      await tell(ctx, client, where, reasonOf(ctx, err));
    }
  });
}
