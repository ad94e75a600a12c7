/** What a Telegram update is to the channel: the kinds it asks for, the chat it belongs to, its shape. */
import type { Update } from "grammy/types";

/**
 * What the bot asks Telegram for; everything else (channel posts, inline queries) is never delivered.
 * my_chat_member: a citizen blocking the bot, who is then unsubscribed from campaigns.
 */
export const ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"] as const;

export function chatKeyOf(u: Update): string {
  const chat =
    u.message?.chat.id ??
    u.edited_message?.chat.id ??
    u.callback_query?.message?.chat.id ??
    u.callback_query?.from.id ??
    u.my_chat_member?.chat.id;
  return chat === undefined ? `u:${u.update_id}` : `c:${chat}`;
}

export function isUpdate(body: unknown): body is Update {
  return (
    typeof body === "object" &&
    body !== null &&
    !Array.isArray(body) &&
    Number.isSafeInteger((body as { update_id?: unknown }).update_id) &&
    (body as { update_id: number }).update_id >= 0
  );
}
