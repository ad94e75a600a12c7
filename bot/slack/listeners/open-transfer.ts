import type { App, BlockButtonAction } from "@slack/bolt";
import { ACTION, transferModal } from "../blocks.js";
import { reasonOf, type SlackContext, tell } from "../context.js";
import { texts } from "../texts.js";
import { caseFromButton } from "./case-button.js";

/** 转交: opens a modal listing the counselors and supervisors the case can go to. */
export function openTransfer(app: App, ctx: SlackContext): void {
  app.action<BlockButtonAction>({ action_id: ACTION.transfer }, async ({ ack, body, action, client }) => {
    await ack();
    const found = await caseFromButton(ctx, client, body, action.value ?? "");
    if (!found) return;
    const { staff, c, channel, threadTs, where } = found;
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
