import type { webApi } from "@slack/bolt";
import { isAppError } from "../../core/app-error.js";
import type { Logger } from "../../core/logger.js";
import type { HandoffService } from "../../handoff/cases.js";
import type { StaffMember } from "../../handoff/roster.js";
import type { StaffDirectory } from "../../handoff/staff.js";
import type { ConversationStore } from "../../store/conversations.js";
import type { CaseBoard } from "./board.js";
import type { SlackStore } from "./store.js";
import { texts } from "./texts.js";

/** What every listener needs; built once by createSlackChannel. */
export interface SlackContext {
  handoff: HandoffService;
  staff: StaffDirectory;
  conversations: ConversationStore;
  store: SlackStore;
  board: CaseBoard;
  logger: Logger;
  /** The staff account a Slack user acts as, or undefined (not linked, or the account is disabled). */
  staffOf(slackUserId: string): Promise<StaffMember | undefined>;
}

export function createStaffResolver(store: SlackStore, staff: StaffDirectory) {
  return async (slackUserId: string): Promise<StaffMember | undefined> => {
    const username = await store.usernameOf(slackUserId);
    return username ? staff.find(username) : undefined;
  };
}

/** A message only `user` sees; failures are logged, never thrown (the action itself already happened). */
export async function tell(
  ctx: SlackContext,
  client: webApi.WebClient,
  where: { channel: string; user: string; threadTs?: string },
  text: string,
): Promise<void> {
  try {
    await client.chat.postEphemeral({
      channel: where.channel,
      user: where.user,
      text,
      ...(where.threadTs ? { thread_ts: where.threadTs } : {}),
    });
  } catch (err) {
    ctx.logger.warn({ err, channel: where.channel }, "slack: ephemeral message failed");
  }
}

/** What to tell a staff member when an operation failed: the core's own (Chinese) reason when it has one. */
export function reasonOf(ctx: SlackContext, err: unknown, fallback: string = texts.somethingWrong): string {
  if (isAppError(err) && err.code !== "internal") return err.message;
  ctx.logger.error({ err }, "slack: operation failed");
  return fallback;
}
