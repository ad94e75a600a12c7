import type { App, BlockButtonAction } from "@slack/bolt";
import { ACTION, resolveModal } from "../blocks.js";
import { reasonOf, type SlackContext, tell } from "../context.js";
import { caseFromButton } from "./case-button.js";

/** 结案: opens a modal with the outcome and the follow-up (required for imminent risk). */
export function openResolve(app: App, ctx: SlackContext): void {
  app.action<BlockButtonAction>({ action_id: ACTION.resolve }, async ({ ack, body, action, client }) => {
    await ack();
    const found = await caseFromButton(ctx, client, body, action.value ?? "");
    if (!found) return;
    const { c, channel, threadTs, where } = found;
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
