import type { App, ViewSubmitAction } from "@slack/bolt";
import { OUTCOMES } from "../../../handoff/case-actions.js";
import { FIELD, parseMetadata, VIEW } from "../blocks.js";
import { reasonOf, type SlackContext, tell } from "../context.js";
import { texts } from "../texts.js";

/**
 * The resolve modal's submission. Problems the person can fix (no follow-up on an imminent case) are shown in
 * the modal itself; the resolution runs after the ack and its failure, if any, is told privately.
 */
export function submitResolve(app: App, ctx: SlackContext): void {
  app.view<ViewSubmitAction>(
    { callback_id: VIEW.resolve, type: "view_submission" },
    async ({ ack, body, view, client }) => {
      const meta = parseMetadata(view.private_metadata);
      const values = view.state.values;
      const outcome = values[FIELD.outcome.block]?.[FIELD.outcome.action]?.selected_option?.value ?? "";
      const followUp = values[FIELD.followUp.block]?.[FIELD.followUp.action]?.value?.trim() ?? "";
      const [staff, c] = await Promise.all([
        ctx.staffOf(body.user.id),
        meta ? ctx.handoff.get(meta.caseId) : Promise.resolve(undefined),
      ]);
      if (!staff) {
        await ack({
          response_action: "errors",
          errors: { [FIELD.outcome.block]: texts.notLinked(body.user.id) },
        });
        return;
      }
      if (!meta || !c) {
        await ack({ response_action: "errors", errors: { [FIELD.outcome.block]: texts.caseGone } });
        return;
      }
      if (!(OUTCOMES as readonly string[]).includes(outcome)) {
        await ack({
          response_action: "errors",
          errors: { [FIELD.outcome.block]: texts.modal.outcomePlaceholder },
        });
        return;
      }
      if (c.risk === "imminent" && !followUp) {
        await ack({ response_action: "errors", errors: { [FIELD.followUp.block]: texts.followUpRequired } });
        return;
      }
      await ack();
      const where = { channel: meta.channel, user: body.user.id };
      try {
        await ctx.board.exclusive(c.id, async () => {
          await ctx.handoff.resolve(c.id, staff, outcome, followUp || undefined);
          const card = await ctx.store.card(c.id);
          const [who] = await ctx.board.mentions([staff]);
          if (card) await ctx.board.thread(card, texts.resolvedThread(who ?? staff.displayName, outcome));
        });
      } catch (err) {
        await tell(ctx, client, where, reasonOf(ctx, err));
      }
    },
  );
}
