import type { BlockButtonAction, webApi } from "@slack/bolt";
import type { ComplaintRecord } from "../../../handoff/complaint-records.js";
import type { ComplaintService } from "../../../handoff/complaints.js";
import type { StaffMember } from "../../../handoff/roster.js";
import type { ComplaintBoard } from "../complaint-board.js";
import { type SlackContext, tell } from "../context.js";
import { complaintTexts, texts } from "../texts.js";

/** What the complaint listeners need on top of the crisis listeners' context. */
export interface ComplaintSlackContext extends SlackContext {
  complaints: ComplaintService;
  complaintBoard: ComplaintBoard;
}

/**
 * Mirrors the core's rule (ComplaintService mustHandle): a clerk of the responsible department, or a
 * supervisor/admin. The core checks again when the action runs; this gives the Chinese refusal up front and
 * refuses a card left behind in a department's channel after a re-dispatch.
 */
export function refusal(
  ctx: ComplaintSlackContext,
  staff: StaffMember,
  c: ComplaintRecord,
  channel: string,
): string | undefined {
  if (staff.role === "department") {
    if (staff.department !== c.departmentId) return complaintTexts.notYourDepartment;
  } else if (staff.role !== "supervisor" && staff.role !== "admin") return complaintTexts.notAllowed;
  if (ctx.complaintBoard.channelOf(c.departmentId) !== channel)
    return complaintTexts.movedAway(c.departmentName);
  return undefined;
}

export interface ComplaintButton {
  staff: StaffMember;
  c: ComplaintRecord;
  channel: string;
  threadTs: string;
  where: { channel: string; user: string };
}

/** Linked user, existing complaint, theirs to act on; otherwise they are told why (privately) and undefined. */
export async function complaintFromButton(
  ctx: ComplaintSlackContext,
  client: webApi.WebClient,
  body: BlockButtonAction,
  complaintId: string,
): Promise<ComplaintButton | undefined> {
  const channel = body.channel?.id ?? "";
  const threadTs = body.message?.ts ?? "";
  const where = { channel, user: body.user.id };
  const staff = await ctx.staffOf(body.user.id);
  if (!staff) return void (await tell(ctx, client, where, texts.notLinked(body.user.id)));
  const c = await ctx.complaints.get(complaintId);
  if (!c) return void (await tell(ctx, client, where, complaintTexts.gone));
  const no = refusal(ctx, staff, c, channel);
  if (no) return void (await tell(ctx, client, where, no));
  return { staff, c, channel, threadTs, where };
}
