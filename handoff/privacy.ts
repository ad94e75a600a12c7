import type { Db } from "../store/db.js";
import { type ErasureCount, eraseConversation, expiredConversations } from "../store/erase.js";

/**
 * A citizen's rights over their data (PIPL arts. 45 and 47): to see it and to have it deleted; and the retention
 * period after which it is deleted unasked (art. 19). Every export and erasure is written to the audit log with
 * who asked.
 */
export interface ConversationExport {
  conversationId: string;
  channel: string;
  createdAt: string;
  messages: { at: string; from: string; text: string }[];
  cases: { id: string; openedAt: string; state: string; outcome: string | null }[];
  complaints: { id: string; openedAt: string; state: string; category: string; what: string; ask: string }[];
  /** 普法 subscriptions now, and every consent given or withdrawn, in the words shown. */
  subscriptions: {
    topics: string[];
    league: string | null;
    county: string | null;
    consents: { at: string; action: string; topics: string[]; wording: string }[];
  };
}

const audit = (db: Db, who: string, action: string, conversationId: string, detail: string) =>
  db.run(
    "INSERT INTO audit_log (staff_id, username, action, conversation_id, detail, created_at) VALUES (NULL, ?, ?, ?, ?, ?)",
    [who.slice(0, 64), action, conversationId, detail, new Date().toISOString()],
  );

export async function exportConversation(
  db: Db,
  conversationId: string,
  requestedBy: string,
): Promise<ConversationExport | undefined> {
  const conv = await db.get<{ id: string; channel: string; created_at: string }>(
    "SELECT id, channel, created_at FROM conversations WHERE id = ?",
    [conversationId],
  );
  if (!conv) return undefined;
  const events = await db.all<{ type: string; actor: string; payload: string; created_at: string }>(
    "SELECT type, actor, payload, created_at FROM events WHERE conversation_id = ? AND type IN ('inbound', 'reply') ORDER BY id",
    [conversationId],
  );
  const cases = await db.all<{ id: string; opened_at: string; state: string; outcome: string | null }>(
    // A case the conversation joined (case-joins.ts) is theirs too.
    `SELECT id, opened_at, state, outcome FROM cases WHERE conversation_id = ?
       OR id IN (SELECT case_id FROM case_conversations WHERE conversation_id = ?) ORDER BY opened_at`,
    [conversationId, conversationId],
  );
  const complaints = await db.all<{
    id: string;
    opened_at: string;
    state: string;
    category: string;
    what: string;
    ask: string;
  }>(
    "SELECT id, opened_at, state, category, what, ask FROM complaints WHERE conversation_id = ? ORDER BY opened_at",
    [conversationId],
  );
  const topics = await db.all<{ topic: string }>(
    "SELECT topic FROM subscriber_topics WHERE conversation_id = ? ORDER BY since",
    [conversationId],
  );
  const subscriber = await db.get<{ league: string | null; county: string | null }>(
    "SELECT league, county FROM subscribers WHERE conversation_id = ?",
    [conversationId],
  );
  const consents = await db.all<{ action: string; topics: string; wording: string; created_at: string }>(
    "SELECT action, topics, wording, created_at FROM subscription_consents WHERE conversation_id = ? ORDER BY id",
    [conversationId],
  );
  await audit(db, requestedBy, "privacy_export", conversationId, `messages=${events.length}`);
  return {
    conversationId: conv.id,
    channel: conv.channel,
    createdAt: conv.created_at,
    messages: events.map((e) => ({
      at: e.created_at,
      from: e.type === "inbound" ? "citizen" : e.actor.startsWith("staff") ? "staff" : "bot",
      text: String((JSON.parse(e.payload) as { text?: unknown }).text ?? ""),
    })),
    cases: cases.map((c) => ({ id: c.id, openedAt: c.opened_at, state: c.state, outcome: c.outcome })),
    complaints: complaints.map((c) => ({
      id: c.id,
      openedAt: c.opened_at,
      state: c.state,
      category: c.category,
      what: c.what,
      ask: c.ask,
    })),
    subscriptions: {
      topics: topics.map((t) => t.topic),
      league: subscriber?.league ?? null,
      county: subscriber?.county ?? null,
      consents: consents.map((c) => ({
        at: c.created_at,
        action: c.action,
        topics: JSON.parse(c.topics) as string[],
        wording: c.wording,
      })),
    },
  };
}

export async function eraseOnRequest(
  db: Db,
  conversationId: string,
  requestedBy: string,
): Promise<ErasureCount | undefined> {
  const exists = await db.get("SELECT 1 AS one FROM conversations WHERE id = ?", [conversationId]);
  if (!exists) return undefined;
  const n = await eraseConversation(db, conversationId);
  await audit(db, requestedBy, "privacy_erase", conversationId, `events=${n.events}`);
  return n;
}

/**
 * The retention sweep: conversations untouched for `days` with nothing open on them are erased, a batch at a
 * time. Runs from the deadline sweeper, but looks at the table at most once an hour.
 */
export function retentionSweep(db: Db, days: number, now: () => Date = () => new Date()) {
  let lastRun = 0;
  return async (): Promise<number> => {
    if (days <= 0 || now().getTime() - lastRun < 3600_000) return 0;
    lastRun = now().getTime();
    const before = new Date(now().getTime() - days * 86_400_000).toISOString();
    const due = await expiredConversations(db, before);
    for (const id of due) {
      await eraseConversation(db, id);
      await audit(db, "system:retention", "retention_erase", id, `older than ${days} days`);
    }
    return due.length;
  };
}
