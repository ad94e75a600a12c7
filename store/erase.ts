import type { Db } from "./db.js";
import { jsonText } from "./dialect.js";
import type { Queryable } from "./sql.js";

/**
 * Erasing a citizen's data (PIPL arts. 19 and 47): on their request (`shouwang privacy erase`) or when the
 * retention period has run out (the retention sweep). What they wrote and what was written to them goes: the
 * transcript, case first messages and notes, complaint descriptions, replies and phone numbers, Telegram copies.
 * What stays is the bare record that something happened (ids, times, states, outcomes) and the audit log, which
 * holds no citizen content and records the erasure itself.
 *
 * The event logs are append-only by trigger; this is the one path that opens their gate, inside its own
 * transaction, and closes it before committing, so no other writer ever sees it open.
 */
export interface ErasureCount {
  events: number;
  cases: number;
  complaints: number;
}

const ERASED = "（已删除）";

async function eraseIn(tx: Queryable, conversationId: string): Promise<ErasureCount> {
  await tx.run("UPDATE erase_gate SET open = 1 WHERE id = 1");
  const events = (await tx.run("DELETE FROM events WHERE conversation_id = ?", [conversationId])).changes;
  await tx.run("DELETE FROM inbound_keys WHERE conversation_id = ?", [conversationId]);
  const cases = (
    await tx.run(
      "UPDATE cases SET first_message = ?, follow_up = NULL, client_key = NULL WHERE conversation_id = ?",
      [ERASED, conversationId],
    )
  ).changes;
  await tx.run(
    "UPDATE case_events SET payload = '{}' WHERE case_id IN (SELECT id FROM cases WHERE conversation_id = ?)",
    [conversationId],
  );
  const complaints = (
    await tx.run(
      `UPDATE complaints SET what = ?, ask = ?, detail = NULL, phone = NULL, result = NULL, rating_comment = NULL,
         extension_reason = NULL, signature = '' WHERE conversation_id = ?`,
      [ERASED, ERASED, conversationId],
    )
  ).changes;
  await tx.run(
    "UPDATE complaint_events SET payload = '{}' WHERE complaint_id IN (SELECT id FROM complaints WHERE conversation_id = ?)",
    [conversationId],
  );
  await tx.run("UPDATE conversations SET state = '{}', external_user = NULL WHERE id = ?", [conversationId]);
  // Erased means no more campaigns. The consent log stays: it holds no content, only what was agreed and when,
  // which is the proof PIPL asks for.
  await tx.run("DELETE FROM subscriber_topics WHERE conversation_id = ?", [conversationId]);
  await tx.run("DELETE FROM subscribers WHERE conversation_id = ?", [conversationId]);
  const openId = /^wx:(.+)$/.exec(conversationId)?.[1];
  if (openId !== undefined) await tx.run("DELETE FROM wechat_owed WHERE open_id = ?", [openId]);
  const chat = /^tg:(-?\d+)$/.exec(conversationId)?.[1];
  if (chat !== undefined) {
    await tx.run("DELETE FROM telegram_outbox WHERE chat_id = ?", [Number(chat)]);
    await tx.run(
      `DELETE FROM telegram_updates WHERE processed_at IS NOT NULL AND COALESCE(
         ${jsonText(tx.dialect, "payload", ["message", "chat", "id"])},
         ${jsonText(tx.dialect, "payload", ["edited_message", "chat", "id"])},
         ${jsonText(tx.dialect, "payload", ["callback_query", "message", "chat", "id"])}) = ?`,
      [Number(chat)],
    );
  }
  await tx.run("UPDATE erase_gate SET open = 0 WHERE id = 1");
  return { events, cases, complaints };
}

/** Erases one conversation; the caller audits who asked and why. */
export function eraseConversation(db: Db, conversationId: string): Promise<ErasureCount> {
  return db.transaction((tx) => eraseIn(tx, conversationId));
}

/**
 * Conversations untouched since `before` with nothing still open on them (no open case of their own or joined, no open complaint):
 * what the retention sweep erases. Erased conversations (no events left) are not listed again.
 */
export async function expiredConversations(db: Db, before: string, limit = 200): Promise<string[]> {
  const rows = await db.all<{ id: string }>(
    `SELECT v.id FROM conversations v
     WHERE v.updated_at < ?
       AND EXISTS (SELECT 1 FROM events e WHERE e.conversation_id = v.id)
       AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.conversation_id = v.id
                       AND c.state IN ('waiting', 'claimed', 'active', 'transferred'))
       AND NOT EXISTS (SELECT 1 FROM case_conversations j JOIN cases c ON c.id = j.case_id
                       WHERE j.conversation_id = v.id AND c.state IN ('waiting', 'claimed', 'active', 'transferred'))
       AND NOT EXISTS (SELECT 1 FROM complaints p WHERE p.conversation_id = v.id AND p.state != 'closed')
     ORDER BY v.updated_at LIMIT ?`,
    [before, limit],
  );
  return rows.map((r) => r.id);
}
