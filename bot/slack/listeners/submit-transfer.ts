import type { App, ViewSubmitAction } from "@slack/bolt";
import { FIELD, parseMetadata, VIEW } from "../blocks.js";
import { reasonOf, type SlackContext, tell } from "../context.js";
import { texts } from "../texts.js";

/** The transfer modal's submission: handoff.transfer, then the pager announces it in the thread. */
export function submitTransfer(app: App, ctx: SlackContext): void {
  app.view<ViewSubmitAction>(
    { callback_id: VIEW.transfer, type: "view_submission" },
    async ({ ack, body, view, client }) => {
      const meta = parseMetadata(view.private_metadata);
      const username =
        view.state.values[FIELD.transferTo.block]?.[FIELD.transferTo.action]?.selected_option?.value ??
        undefined;
      const [staff, target] = await Promise.all([
        ctx.staffOf(body.user.id),
        username ? ctx.staff.find(username) : Promise.resolve(undefined),
      ]);
      if (!meta || !staff || !target) {
        await ack({
          response_action: "errors",
          errors: { [FIELD.transferTo.block]: staff ? texts.somethingWrong : texts.notLinked(body.user.id) },
        });
        return;
      }
      await ack();
      const where = { channel: meta.channel, user: body.user.id };
      try {
        await ctx.handoff.transfer(meta.caseId, staff, target);
      } catch (err) {
        await tell(ctx, client, where, reasonOf(ctx, err));
      }
    },
  );
}
