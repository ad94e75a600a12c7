import type { BlockButtonAction, webApi } from "@slack/bolt";
import type { CaseRecord } from "../../../handoff/case-records.js";
import { isOpen } from "../../../handoff/case-state.js";
import type { StaffMember } from "../../../handoff/roster.js";
import { type SlackContext, tell } from "../context.js";
import { texts } from "../texts.js";
import { mayAct } from "./permissions.js";

export interface CaseButton {
  staff: StaffMember;
  c: CaseRecord;
  channel: string;
  threadTs: string;
  where: { channel: string; user: string };
}

/**
 * What every button that opens a form on a card checks first: the Slack user is linked to a staff account, the
 * case exists, is open and is theirs to act on. Returns undefined after telling them why not.
 */
export async function caseFromButton(
  ctx: SlackContext,
  client: webApi.WebClient,
  body: BlockButtonAction,
  caseId: string,
): Promise<CaseButton | undefined> {
  const channel = body.channel?.id ?? "";
  const threadTs = body.message?.ts ?? "";
  // Told in the channel, next to the card the button is on.
  const where = { channel, user: body.user.id };
  const staff = await ctx.staffOf(body.user.id);
  if (!staff) return void (await tell(ctx, client, where, texts.notLinked(body.user.id)));
  const c = await ctx.handoff.get(caseId);
  if (!c) return void (await tell(ctx, client, where, texts.caseGone));
  if (!isOpen(c.state)) return void (await tell(ctx, client, where, texts.caseClosed));
  if (!mayAct(staff, c)) return void (await tell(ctx, client, where, texts.onlyHolder));
  return { staff, c, channel, threadTs, where };
}
