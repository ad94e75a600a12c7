import type { Channel } from "../store/conversations.js";
import type { Db } from "../store/db.js";
import type { Queryable } from "../store/sql.js";

/** Where a subscriber wants local content from; no league = the whole region. */
export interface SubscriberPlace {
  league?: string;
  county?: string;
}

export interface Subscription {
  topics: string[];
  place: SubscriberPlace;
  /** The 盟市 question was put once already: it is not asked again (「订阅地区」 changes it). */
  placeAsked: boolean;
}

export type ConsentAction = "subscribe" | "unsubscribe" | "place" | "blocked";

/**
 * Who wants which campaigns. A subscriber is a conversation (the only address the bot has for a person on a
 * channel). Every change is written with the consent log entry that records it, in the words the citizen was
 * shown, in one transaction: there is never a subscription without its consent, or a withdrawal without a record.
 */
export function createSubscriptions(db: Db) {
  const read = async (q: Queryable, conversationId: string): Promise<Subscription> => {
    const row = await q.get<{ league: string | null; county: string | null; place_asked: number }>(
      "SELECT league, county, place_asked FROM subscribers WHERE conversation_id = ?",
      [conversationId],
    );
    const topics = await q.all<{ topic: string }>(
      "SELECT topic FROM subscriber_topics WHERE conversation_id = ? ORDER BY since, topic",
      [conversationId],
    );
    return {
      topics: topics.map((t) => t.topic),
      place: {
        ...(row?.league ? { league: row.league } : {}),
        ...(row?.county ? { county: row.county } : {}),
      },
      placeAsked: row?.place_asked === 1,
    };
  };

  const consent = (
    q: Queryable,
    conversationId: string,
    action: ConsentAction,
    topics: readonly string[],
    wording: string,
    at: string,
  ) =>
    q.run(
      "INSERT INTO subscription_consents (conversation_id, action, topics, wording, created_at) VALUES (?, ?, ?, ?, ?)",
      [conversationId, action, JSON.stringify(topics), wording, at],
    );

  return {
    get: (conversationId: string) => read(db, conversationId),

    /** Adds topics; returns the ones that were new and the subscription as it now stands. */
    subscribe: (s: {
      conversationId: string;
      channel: Channel;
      topics: readonly string[];
      wording: string;
      at: string;
    }) =>
      db.transaction(async (tx) => {
        await tx.run(
          `INSERT INTO subscribers (conversation_id, channel, created_at, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT(conversation_id) DO UPDATE SET updated_at = excluded.updated_at`,
          [s.conversationId, s.channel, s.at, s.at],
        );
        const added: string[] = [];
        for (const topic of s.topics) {
          const r = await tx.run(
            "INSERT INTO subscriber_topics (conversation_id, topic, since) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            [s.conversationId, topic, s.at],
          );
          if (r.changes > 0) added.push(topic);
        }
        if (added.length > 0) await consent(tx, s.conversationId, "subscribe", added, s.wording, s.at);
        return { added, now: await read(tx, s.conversationId) };
      }),

    /**
     * Leaves the named topics, or all of them (`topics` undefined). `action` says why: the citizen's own word,
     * or the platform telling us they blocked the bot.
     */
    unsubscribe: (s: {
      conversationId: string;
      topics?: readonly string[];
      wording: string;
      at: string;
      action?: "unsubscribe" | "blocked";
    }) =>
      db.transaction(async (tx) => {
        const before = await read(tx, s.conversationId);
        const removed = s.topics ? before.topics.filter((t) => s.topics?.includes(t)) : before.topics;
        for (const topic of removed)
          await tx.run("DELETE FROM subscriber_topics WHERE conversation_id = ? AND topic = ?", [
            s.conversationId,
            topic,
          ]);
        if (removed.length > 0)
          await consent(tx, s.conversationId, s.action ?? "unsubscribe", removed, s.wording, s.at);
        return { removed, now: await read(tx, s.conversationId) };
      }),

    /** Sets (or clears, for the whole region) the place; the question counts as asked from now on. */
    setPlace: (s: {
      conversationId: string;
      channel: Channel;
      place: SubscriberPlace;
      wording: string;
      at: string;
    }) =>
      db.transaction(async (tx) => {
        await tx.run(
          `INSERT INTO subscribers (conversation_id, channel, league, county, place_asked, created_at, updated_at)
           VALUES (?, ?, ?, ?, 1, ?, ?)
           ON CONFLICT(conversation_id) DO UPDATE SET league = excluded.league, county = excluded.county,
             place_asked = 1, updated_at = excluded.updated_at`,
          [s.conversationId, s.channel, s.place.league ?? null, s.place.county ?? null, s.at, s.at],
        );
        await consent(tx, s.conversationId, "place", [], s.wording, s.at);
        return read(tx, s.conversationId);
      }),

    /** The 盟市 question was put: it is not put again, whatever the answer. */
    markPlaceAsked: (conversationId: string, at: string) =>
      db.run("UPDATE subscribers SET place_asked = 1, updated_at = ? WHERE conversation_id = ?", [
        at,
        conversationId,
      ]),

    /** The consent log of one person, oldest first (for their data export). */
    consents: (conversationId: string) =>
      db.all<{ action: ConsentAction; topics: string; wording: string; created_at: string }>(
        "SELECT action, topics, wording, created_at FROM subscription_consents WHERE conversation_id = ? ORDER BY id",
        [conversationId],
      ),
  };
}

export type Subscriptions = ReturnType<typeof createSubscriptions>;
