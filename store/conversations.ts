import type { Db } from "./db.js";
import { insertReturningId, lastInsertedId } from "./dialect.js";
import type { Queryable, Statement } from "./sql.js";

/** Where a conversation takes place; stored with it, so a staff reply goes back the same way. */
export type Channel = "web" | "telegram" | "slack" | "cli" | "wechat";

/** bot: the bot answers; waiting: a handoff is requested, nobody holds it yet; human: a staff member holds it. */
export type ConversationMode = "bot" | "waiting" | "human";

/**
 * A complaint (诉求) being taken down, slot by slot: bot/complaint-dialogue.ts fills it, handoff/complaints.ts
 * files it, and the conversation's state keeps it between turns.
 */
export type Slot = "what" | "category" | "place" | "detail" | "ask" | "contact" | "consent" | "confirm";

export interface ComplaintDraft {
  what?: string;
  category?: string;
  categoryConfirmed?: boolean;
  /** The best three categories when the model is unsure of the first: offered as a choice, not a yes/no. */
  categoryOptions?: string[];
  league?: string;
  county?: string;
  /** 苏木乡镇/街道 and 嘎查村/社区 as the citizen wrote them; "" when they said they do not know. */
  detail?: string;
  placeUnknown?: boolean;
  /** The 盟市 is known and the citizen does not know the 旗县区. */
  countyUnknown?: boolean;
  ask?: string;
  contact?: "chat" | "phone";
  phone?: string;
  consent?: boolean;
  /** Where the citizen said they are before the intake began: offered as a button when the place is asked. */
  knownPlace?: { league: string; county?: string };
  awaiting: Slot;
}

/** Dialogue memory the engine carries between turns; small and JSON-serialisable. */
export interface ConversationState {
  /** The last clarifying question's options, so that "第一个" or a button press can resolve it. */
  pendingChoice?: string[];
  /** The bot offered a counselor at distress and awaits yes/no. */
  offeredCounselor?: boolean;
  /**
   * The kind of risk the offer followed (harm done to the citizen; anger at another person without a stated
   * intent): the case it opens says so. Absent: the citizen's own distress.
   */
  offeredFor?: "harmed" | "others";
  /** Written by offers made before `offeredFor`; read once when such an offer is accepted. */
  offeredForHarm?: boolean;
  /** Why the conversation waits for a human; crisis and distress waits get no FAQ answers meanwhile. */
  handoffReason?: HandoffReason;
  /** A letter read as a 诉求: the bot asked whether to register it, and keeps its text for the intake. */
  offeredComplaint?: string;
  /** The letter was answered as a question and registering it offered by a button only: 好的 is no yes to it. */
  offeredComplaintByButton?: boolean;
  /** A complaint being taken down, slot by slot. */
  complaint?: ComplaintDraft;
  /** After a complaint is closed: asking whether it was resolved, then for a rating. */
  followUp?: { complaintId: string; step: "resolved" | "rating" };
  /** While a department talks with the citizen: a message that looked like a new question, kept until they say. */
  pendingSupplement?: { complaintId: string; text: string };
  /** After a first 普法 subscription the bot asked for the citizen's 盟市 and reads the next message as the answer. */
  subscriptionPlace?: boolean;
  /** The last answer or referral card given: a short follow-up (在哪申请, 要带啥材料) is about it. */
  lastAnswer?: { entryId?: string; domain: string };
  /** The last 盟市 (and 旗县区) the citizen named: later answers name their own offices without asking again. */
  place?: { league: string; county?: string };
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

const CACHE_LIMIT = 10_000;

export interface Delivery {
  conversationId: string;
  turn: string;
  first: number;
  last: number;
}

export interface TurnWrite {
  /** The conversation as it stands after the turn. */
  conversation: Conversation;
  turn: string;
  at: string;
  events: readonly NewEvent[];
  delivery?: { channel: Channel; externalId: string };
  /** Slow path only: the handoff module may have moved the mode inside the same transaction; keep its value. */
  keepMode?: boolean;
}

/** Serialises work per key: two quick messages from one citizen must see each other's state. */
function keyedMutex() {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const prev = tails.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  };
}

/** One text per row count, so the statement text (and its parsed template) is reused from turn to turn. */
const insertEventsSqls: string[] = [];
function insertEventsSql(rows: number): string {
  let sql = insertEventsSqls[rows];
  if (sql === undefined) {
    sql = `INSERT INTO events (conversation_id, type, actor, payload, created_at, turn) VALUES ${Array.from(
      { length: rows },
      () => "(?, ?, ?, ?, ?, ?)",
    ).join(", ")}`;
    if (rows < 64) insertEventsSqls[rows] = sql;
  }
  return sql;
}

/**
 * True when a turn's write failed because its delivery (channel and platform message id) is already stored: a
 * redelivery raced the first delivery, whose turn the caller then finds with `findDelivery`.
 */
export function isUniqueViolation(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  // PostgreSQL: unique_violation on the primary key of inbound_keys.
  const pg = e as { code?: string; table?: string };
  if (pg.code === "23505") return pg.table === "inbound_keys";
  return /UNIQUE constraint failed: inbound_keys/.test(e.message);
}

export function createConversationStore(db: Db) {
  const local = keyedMutex();
  // In-process first, then across instances (a no-op on SQLite): a turn waiting for its conversation holds no
  // database connection until the one before it, on whichever instance, has finished.
  const exclusive = <T>(id: string, fn: () => Promise<T>): Promise<T> =>
    local(id, () => db.exclusive(`conversation:${id}`, fn));
  // This process writes every bot turn, so recently used conversations are served from memory; anything that
  // changes a conversation outside a turn (handoff transitions) goes through `update`, which drops the entry.
  // Not on PostgreSQL: another instance may change a conversation (a counselor claiming it) behind this one.
  const caching = db.dialect === "sqlite";
  const cache = new Map<string, Conversation>();
  const remember = (c: Conversation) => {
    if (!caching) return;
    cache.delete(c.id);
    cache.set(c.id, c);
    if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  };

  const read = async (q: Queryable, id: string) => {
    const row = await q.get<ConversationRow>("SELECT * FROM conversations WHERE id = ?", [id]);
    return row ? toConversation(row) : undefined;
  };

  return {
    /**
     * Runs `fn` alone for this conversation: every citizen turn does, and so must anything else that changes the
     * conversation's state (closing a complaint sets up its 回访), or a turn in flight would overwrite it.
     */
    exclusive: <T>(id: string, fn: () => Promise<T>): Promise<T> => exclusive(id, fn),

    async get(id: string): Promise<Conversation | undefined> {
      const hit = cache.get(id);
      if (hit) return hit;
      const c = await read(db, id);
      if (c) remember(c);
      return c;
    },

    /** Reads inside a transaction, bypassing the cache (the handoff and complaint modules change conversations). */
    getIn: read,

    /** After a turn committed: the next turn of this conversation need not read it back. */
    remember,
    forget: (id: string) => cache.delete(id),

    async update(
      q: Queryable,
      id: string,
      patch: Partial<Pick<Conversation, "mode" | "risk" | "state" | "subscribed">>,
      at: string,
    ) {
      cache.delete(id);
      const sets: string[] = ["updated_at = ?"];
      const params: (string | number)[] = [at];
      if (patch.mode !== undefined) sets.push("mode = ?") && params.push(patch.mode);
      if (patch.risk !== undefined) sets.push("risk = ?") && params.push(patch.risk);
      if (patch.state !== undefined) sets.push("state = ?") && params.push(JSON.stringify(patch.state));
      if (patch.subscribed !== undefined)
        sets.push("subscribed = ?") && params.push(patch.subscribed ? 1 : 0);
      await q.run(`UPDATE conversations SET ${sets.join(", ")} WHERE id = ?`, [...params, id]);
    },

    /** Appends events outside a turn (a staff reply, a reminder); returns the first new event id. */
    async append(
      q: Queryable,
      conversationId: string,
      events: readonly NewEvent[],
      at: string,
    ): Promise<number> {
      let first = 0;
      for (const e of events) {
        const id = await insertReturningId(
          q,
          "INSERT INTO events (conversation_id, type, actor, payload, created_at) VALUES (?, ?, ?, ?, ?)",
          [conversationId, e.type, e.actor, JSON.stringify(e.payload), at],
        );
        if (!first) first = id;
      }
      return first;
    },

    /** Everything one turn writes, as statements: the engine runs them as one script or inside a transaction. */
    turnStatements(w: TurnWrite): Statement[] {
      const c = w.conversation;
      const mode = w.keepMode ? "conversations.mode" : "excluded.mode";
      const out: Statement[] = [
        {
          sql: `INSERT INTO conversations (id, channel, external_user, mode, risk, state, subscribed, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET mode = ${mode}, risk = excluded.risk, state = excluded.state,
                  subscribed = excluded.subscribed, updated_at = excluded.updated_at`,
          params: [
            c.id,
            c.channel,
            c.externalUser,
            c.mode,
            c.risk,
            JSON.stringify(c.state),
            c.subscribed ? 1 : 0,
            c.createdAt,
            w.at,
          ],
        },
      ];
      if (w.events.length > 0) {
        out.push({
          sql: insertEventsSql(w.events.length),
          params: w.events.flatMap((e) => [c.id, e.type, e.actor, JSON.stringify(e.payload), w.at, w.turn]),
        });
      }
      if (w.delivery) {
        // The turn's events got consecutive ids in the one INSERT above: its range is read back from
        // the last inserted id (the writes of every instance take turns), with no index on a random turn id to maintain for every message.
        const n = w.events.length;
        out.push({
          sql: `INSERT INTO inbound_keys (channel, external_id, conversation_id, first_event_id, last_event_id, turn)
                VALUES (?, ?, ?, ${n > 0 ? `${lastInsertedId(db.dialect)} - ${n - 1}` : "0"}, ${n > 0 ? lastInsertedId(db.dialect) : "0"}, ?)`,
          params: [w.delivery.channel, w.delivery.externalId, c.id, w.turn],
        });
      }
      return out;
    },

    /** The turn a delivered platform message already produced, if any. */
    async findDelivery(channel: Channel, externalId: string): Promise<Delivery | undefined> {
      const row = await db.get<{
        conversation_id: string;
        turn: string;
        first_event_id: number;
        last_event_id: number;
      }>(
        "SELECT conversation_id, turn, first_event_id, last_event_id FROM inbound_keys WHERE channel = ? AND external_id = ?",
        [channel, externalId],
      );
      return row
        ? {
            conversationId: row.conversation_id,
            turn: row.turn,
            first: row.first_event_id,
            last: row.last_event_id,
          }
        : undefined;
    },

    /** The events a delivery's turn stored, by their id range. */
    async turnEvents(delivery: Delivery): Promise<StoredEvent[]> {
      const rows = await db.all<EventRow>(
        "SELECT * FROM events WHERE id BETWEEN ? AND ? AND conversation_id = ? ORDER BY id",
        [delivery.first, delivery.last, delivery.conversationId],
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

    /** The newest event id: a channel's high-water mark for replies stored outside turns. */
    async maxEventId(): Promise<number> {
      const row = await db.get<{ id: number | null }>("SELECT MAX(id) AS id FROM events");
      return row?.id ?? 0;
    },

    /**
     * Replies stored outside a turn (staff messages, system notices) on one channel's conversations after
     * `afterId`, oldest first: what a channel checks against its outbox after a crash.
     */
    async repliesOutsideTurns(
      channel: Channel,
      afterId: number,
    ): Promise<{ id: number; conversationId: string; actor: string; payload: string }[]> {
      return db.all(
        `SELECT e.id AS id, e.conversation_id AS "conversationId", e.actor AS actor, e.payload AS payload
         FROM events e JOIN conversations c ON c.id = e.conversation_id
         WHERE e.id > ? AND e.type = 'reply' AND e.turn IS NULL AND c.channel = ?
         ORDER BY e.id`,
        [afterId, channel],
      );
    },

    /** The id of the citizen's last message at or before `at` (0 when none): where a case's thread starts. */
    async lastInboundId(conversationId: string, at: string): Promise<number> {
      const row = await db.get<{ id: number | null }>(
        "SELECT MAX(id) AS id FROM events WHERE conversation_id = ? AND type = 'inbound' AND created_at <= ?",
        [conversationId, at],
      );
      return row?.id ?? 0;
    },

    /** The citizen's latest message (or follow/unfollow), if any. */
    async lastInbound(conversationId: string): Promise<StoredEvent | undefined> {
      const row = await db.get<EventRow>(
        "SELECT * FROM events WHERE conversation_id = ? AND type = 'inbound' ORDER BY id DESC LIMIT 1",
        [conversationId],
      );
      return row ? toEvent(row) : undefined;
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
