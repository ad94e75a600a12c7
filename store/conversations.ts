import type { Channel, Reply } from "../bot/reply.js";
import type { Db, Queryable } from "./db.js";

/** bot: the bot answers; waiting: a handoff is requested, nobody holds it yet; human: a staff member holds it. */
export type ConversationMode = "bot" | "waiting" | "human";

/** Dialogue memory the engine carries between turns; small and JSON-serialisable. */
export interface ConversationState {
  /** The last clarifying question's options, so that "第一个" or a button press can resolve it. */
  pendingChoice?: string[];
  /** The bot offered a counselor at distress and awaits yes/no. */
  offeredCounselor?: boolean;
  /** Why the conversation waits for a human; crisis and distress waits get no FAQ answers meanwhile. */
  handoffReason?: HandoffReason;
}

export type HandoffReason = "crisis" | "distress" | "human";

export interface Conversation {
  id: string;
  channel: Channel;
  externalUser: string | null;
  mode: ConversationMode;
  risk: string;
  state: ConversationState;
  subscribed: boolean;
  createdAt: string;
}

export interface StoredEvent {
  id: number;
  conversationId: string;
  type: string;
  actor: string;
  payload: unknown;
  createdAt: string;
}

interface ConversationRow {
  id: string;
  channel: Channel;
  external_user: string | null;
  mode: ConversationMode;
  risk: string;
  state: string;
  subscribed: number;
  created_at: string;
}

interface EventRow {
  id: number;
  conversation_id: string;
  type: string;
  actor: string;
  payload: string;
  created_at: string;
}

const toConversation = (r: ConversationRow): Conversation => ({
  id: r.id,
  channel: r.channel,
  externalUser: r.external_user,
  mode: r.mode,
  risk: r.risk,
  state: JSON.parse(r.state) as ConversationState,
  subscribed: r.subscribed === 1,
  createdAt: r.created_at,
});

const toEvent = (r: EventRow): StoredEvent => ({
  id: r.id,
  conversationId: r.conversation_id,
  type: r.type,
  actor: r.actor,
  payload: JSON.parse(r.payload),
  createdAt: r.created_at,
});

export interface NewEvent {
  type: string;
  actor: string;
  payload: unknown;
}

export function createConversationStore(db: Db) {
  const get = async (q: Queryable, id: string) => {
    const row = await q.get<ConversationRow>("SELECT * FROM conversations WHERE id = ?", [id]);
    return row ? toConversation(row) : undefined;
  };

  const append = async (q: Queryable, conversationId: string, events: readonly NewEvent[], at: string) => {
    let first = 0;
    let last = 0;
    for (const e of events) {
      const r = await q.run(
        "INSERT INTO events (conversation_id, type, actor, payload, created_at) VALUES (?, ?, ?, ?, ?)",
        [conversationId, e.type, e.actor, JSON.stringify(e.payload), at],
      );
      if (!first) first = r.lastID;
      last = r.lastID;
    }
    return { first, last };
  };

  return {
    get: (id: string) => get(db, id),
    getIn: get,

    async ensure(q: Queryable, c: { id: string; channel: Channel; externalUser?: string }, at: string) {
      await q.run(
        "INSERT INTO conversations (id, channel, external_user, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING",
        [c.id, c.channel, c.externalUser ?? null, at, at],
      );
      const conv = await get(q, c.id);
      if (!conv) throw new Error(`conversation ${c.id} vanished`);
      return conv;
    },

    async update(
      q: Queryable,
      id: string,
      patch: Partial<Pick<Conversation, "mode" | "risk" | "state" | "subscribed">>,
      at: string,
    ) {
      const sets: string[] = ["updated_at = ?"];
      const params: (string | number)[] = [at];
      if (patch.mode !== undefined) sets.push("mode = ?") && params.push(patch.mode);
      if (patch.risk !== undefined) sets.push("risk = ?") && params.push(patch.risk);
      if (patch.state !== undefined) sets.push("state = ?") && params.push(JSON.stringify(patch.state));
      if (patch.subscribed !== undefined)
        sets.push("subscribed = ?") && params.push(patch.subscribed ? 1 : 0);
      await q.run(`UPDATE conversations SET ${sets.join(", ")} WHERE id = ?`, [...params, id]);
    },

    append,

    /** The turn a redelivered message already produced, if any. */
    async findDelivery(q: Queryable, channel: Channel, externalId: string) {
      return q.get<{ conversation_id: string; first_event_id: number; last_event_id: number }>(
        "SELECT conversation_id, first_event_id, last_event_id FROM inbound_keys WHERE channel = ? AND external_id = ?",
        [channel, externalId],
      );
    },

    async recordDelivery(
      q: Queryable,
      channel: Channel,
      externalId: string,
      conversationId: string,
      range: { first: number; last: number },
    ) {
      await q.run(
        "INSERT INTO inbound_keys (channel, external_id, conversation_id, first_event_id, last_event_id) VALUES (?, ?, ?, ?, ?)",
        [channel, externalId, conversationId, range.first, range.last],
      );
    },

    async eventsBetween(
      q: Queryable,
      conversationId: string,
      first: number,
      last: number,
    ): Promise<StoredEvent[]> {
      const rows = await q.all<EventRow>(
        "SELECT * FROM events WHERE conversation_id = ? AND id BETWEEN ? AND ? ORDER BY id",
        [conversationId, first, last],
      );
      return rows.map(toEvent);
    },

    /** Messages and replies of a conversation, oldest first: the transcript a citizen or counselor reads. */
    async transcript(conversationId: string, limit = 200): Promise<StoredEvent[]> {
      const rows = await db.all<EventRow>(
        `SELECT * FROM (SELECT * FROM events WHERE conversation_id = ? AND type IN ('inbound', 'reply')
         ORDER BY id DESC LIMIT ?) ORDER BY id`,
        [conversationId, limit],
      );
      return rows.map(toEvent);
    },

    async events(conversationId: string): Promise<StoredEvent[]> {
      const rows = await db.all<EventRow>("SELECT * FROM events WHERE conversation_id = ? ORDER BY id", [
        conversationId,
      ]);
      return rows.map(toEvent);
    },
  };
}

export type ConversationStore = ReturnType<typeof createConversationStore>;
export type { Reply };
