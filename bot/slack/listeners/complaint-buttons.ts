import type { App, BlockButtonAction } from "@slack/bolt";
import { COMPLAINT_ACTION, closeModal, returnModal } from "../complaint-blocks.js";
import { reasonOf, tell } from "../context.js";
import { complaintTexts } from "../texts.js";
import { type ComplaintSlackContext, complaintFromButton } from "./complaint-context.js";

/** 受理: ComplaintService.accept as the linked staff member; the card updates from the live event. */
export function acceptComplaint(app: App, ctx: ComplaintSlackContext): void {
  app.action<BlockButtonAction>(
    { action_id: COMPLAINT_ACTION.accept },
    async ({ ack, body, action, client }) => {
      await ack();
      const found = await complaintFromButton(ctx, client, body, action.value ?? "");
      if (!found) return;
      const { staff, c, channel, threadTs, where } = found;
      try {
        await ctx.complaints.accept(c.id, staff);
      } catch (err) {
        return tell(ctx, client, where, reasonOf(ctx, err));
      }
      const [who] = await ctx.board.mentions([staff]);
      if (threadTs)
        await ctx.complaintBoard
          .thread({ channel, ts: threadTs }, complaintTexts.acceptedThread(who ?? staff.displayName))
          .catch((err: unknown) => ctx.logger.warn({ err }, "slack: complaint thread post failed"));
      await tell(ctx, client, where, complaintTexts.accepted(c.id));
    },
  );
}

/** 退单 and 办结: a modal asking for the reason / the result; the submission does the work. */
export function openComplaintModals(app: App, ctx: ComplaintSlackContext): void {
  const open = (actionId: string, view: typeof returnModal) =>
    app.action<BlockButtonAction>({ action_id: actionId }, async ({ ack, body, action, client }) => {
      await ack();
      const found = await complaintFromButton(ctx, client, body, action.value ?? "");
      if (!found) return;
      const { c, channel, threadTs, where } = found;
      try {
        await client.views.open({
          trigger_id: body.trigger_id,
          view: view(c, { complaintId: c.id, channel, threadTs }),
        });
      } catch (err) {
        await tell(ctx, client, where, reasonOf(ctx, err));
      }
    });
  open(COMPLAINT_ACTION.returnCase, returnModal);
  open(COMPLAINT_ACTION.close, closeModal);
}
