import type { App, ViewSubmitAction } from "@slack/bolt";
import { COMPLAINT_FIELD, COMPLAINT_VIEW, parseComplaintMetadata } from "../complaint-blocks.js";
import { reasonOf, tell } from "../context.js";
import { complaintTexts, escapeSlack, texts } from "../texts.js";
import { type ComplaintSlackContext, refusal } from "./complaint-context.js";

/**
 * The 退单 and 办结 modals' submissions. What the person can fix (an empty field, not linked, not their
 * department) is shown in the modal; the operation runs after the ack and a failure is told privately.
 */
export function submitComplaintModals(app: App, ctx: ComplaintSlackContext): void {
  const submit = (
    callbackId: string,
    field: { block: string; action: string },
    required: string,
    run: (id: string, staff: Parameters<typeof refusal>[1], text: string) => Promise<unknown>,
    line: (who: string, text: string) => string,
  ) =>
    app.view<ViewSubmitAction>(
      { callback_id: callbackId, type: "view_submission" },
      async ({ ack, body, view, client }) => {
        const meta = parseComplaintMetadata(view.private_metadata);
        const text = view.state.values[field.block]?.[field.action]?.value?.trim() ?? "";
        const error = (message: string) =>
          ack({ response_action: "errors", errors: { [field.block]: message } });
        const [staff, c] = await Promise.all([
          ctx.staffOf(body.user.id),
          meta ? ctx.complaints.get(meta.complaintId) : Promise.resolve(undefined),
        ]);
        if (!staff) return error(texts.notLinked(body.user.id));
        if (!meta || !c) return error(complaintTexts.gone);
        const no = refusal(ctx, staff, c, meta.channel);
        if (no) return error(no);
        if (!text) return error(required);
        await ack();
        const where = { channel: meta.channel, user: body.user.id };
        try {
          await run(c.id, staff, text);
        } catch (err) {
          return tell(ctx, client, where, reasonOf(ctx, err));
        }
        const [who] = await ctx.board.mentions([staff]);
        if (meta.threadTs)
          await ctx.complaintBoard
            .thread(
              { channel: meta.channel, ts: meta.threadTs },
              line(who ?? staff.displayName, escapeSlack(text)),
            )
            .catch((err: unknown) => ctx.logger.warn({ err }, "slack: complaint thread post failed"));
      },
    );

  submit(
    COMPLAINT_VIEW.returnCase,
    COMPLAINT_FIELD.reason,
    complaintTexts.reasonRequired,
    (id, staff, reason) => ctx.complaints.returnCase(id, staff, reason),
    complaintTexts.returnedThread,
  );
  submit(
    COMPLAINT_VIEW.close,
    COMPLAINT_FIELD.result,
    complaintTexts.resultRequired,
    (id, staff, result) => ctx.complaints.close(id, staff, result),
    complaintTexts.closedThread,
  );
}
