import type { Update } from "grammy/types";
import { openCrisisConversations } from "../../handoff/case-records.js";
import type { ConversationStore } from "../../store/conversations.js";
import type { Db } from "../../store/db.js";
import { jsonText } from "../../store/dialect.js";
import type { Statement } from "../../store/sql.js";
import { crashPoint } from "./crash.js";
import { conversationIdOf } from "./ids.js";

export interface OutboxRow {
  eventId: number;
  chatId: number;
  message: OutboxMessage;
  attempts: number;
}

export interface OutboxMessage {
  text: string;
  buttons?: { label: string; payload: string }[];
}

export type TelegramStore = ReturnType<typeof createTelegramStore>;

/** A message the send journal says left, recorded as sent without Telegram's confirmation having been stored. */
export interface RecoveredSend {
  messageId: number | null;
  note: string;
}

/**
 * The Telegram channel's own tables (store/migrations-telegram.ts). Every write goes through `Db.transaction`
 * or `Db.script`: the process shares one SQLite connection, and a bare `run` issued while another module's
 * transaction is open would silently become part of it (and vanish with its rollback).
 */
export function createTelegramStore(db: Db, conversations: ConversationStore) {
  // Db.script group-commits: scripts that arrive while the connection is busy share one transaction.
  const script = (statements: Statement[]) => db.script(statements);

  /**
   * Runs `sql` (selecting `id` and `chat`) over the ids in chunks of 500 placeholders, and flags each id whose
   * chat's conversation has an open crisis case.
   */
  async function crisisFlags(
    ids: readonly number[],
    sql: (placeholders: string) => string,
  ): Promise<Map<number, { crisis: boolean }>> {
    const rows: { id: number; chat: number | string | null }[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      rows.push(
        ...(await db.all<{ id: number; chat: number | string | null }>(
          sql(chunk.map(() => "?").join(", ")),
          chunk,
        )),
      );
    }
    const withChat = rows.filter((r) => r.chat !== null);
    const crisis = await openCrisisConversations(
      db,
      withChat.map((r) => conversationIdOf(r.chat as number)),
    );
    return new Map(
      rows.map((r) => [r.id, { crisis: r.chat !== null && crisis.has(conversationIdOf(r.chat)) }]),
    );
  }

  /** Concurrent `accept` calls (one per webhook request) share one read and one write. */
  let acceptQueue: {
    updates: readonly Update[];
    at: string;
    resolve: (u: Update[]) => void;
    reject: (e: unknown) => void;
  }[] = [];
  let accepting = false;
  /** The highest update_id stored, read once. */
  let maxStored: number | undefined;
  const acceptBatch = async (batch: typeof acceptQueue): Promise<void> => {
    const all = batch.flatMap((b) => b.updates);
    if (maxStored === undefined) {
      maxStored =
        (await db.get<{ id: number | null }>("SELECT MAX(update_id) AS id FROM telegram_updates"))?.id ?? -1;
    }
    // Telegram numbers updates in increasing order, so one above everything stored cannot be a redelivery:
    // only the others are looked up (after a week without updates the numbering may restart lower; those are
    // looked up too, so that stays correct).
    const ceiling = maxStored;
    const ids = [...new Set(all.map((u) => u.update_id))].filter((id) => id <= ceiling);
    const known = new Map<number, string | null>();
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const rows = await db.all<{ update_id: number; processed_at: string | null }>(
        `SELECT update_id, processed_at FROM telegram_updates WHERE update_id IN (${chunk.map(() => "?").join(", ")})`,
        chunk,
      );
      for (const r of rows) known.set(r.update_id, r.processed_at);
    }
    const inserts: Statement[] = [];
    const seen = new Set<number>();
    for (const b of batch) {
      for (const u of b.updates) {
        if (known.has(u.update_id) || seen.has(u.update_id)) continue;
        seen.add(u.update_id);
        inserts.push({
          sql: `INSERT INTO telegram_updates (update_id, payload, received_at) VALUES (?, ?, ?)
                ON CONFLICT(update_id) DO NOTHING`,
          params: [u.update_id, JSON.stringify(u), b.at],
        });
      }
    }
    if (inserts.length > 0) {
      crashPoint("inbox:before-commit");
      await script(inserts);
      crashPoint("inbox:after-commit");
      for (const id of seen) if (id > (maxStored ?? -1)) maxStored = id;
    }
    for (const b of batch) {
      b.resolve(b.updates.filter((u) => !known.has(u.update_id) || known.get(u.update_id) === null));
    }
  };
  const drainAccepts = async () => {
    accepting = true;
    while (acceptQueue.length > 0) {
      const batch = acceptQueue;
      acceptQueue = [];
      try {
        await acceptBatch(batch);
      } catch (e) {
        for (const b of batch) b.reject(e);
      }
    }
    accepting = false;
  };

  return {
    /**
     * Stores updates and returns those still to be processed: new ones, and ones stored earlier whose
     * processing has not finished. Only after this resolves may Telegram be told they arrived.
     *
     * One read and one script (a single round trip on the write queue), shared by the calls that arrive while
     * the previous batch is written, rather than a transaction: a transaction holds the process-wide write queue
     * across several awaits, which under load delays every other write. Two copies of one new update may both
     * be returned; the lanes, and the engine's own dedupe on the update_id behind them, answer it once.
     */
    accept(updates: readonly Update[], at: string): Promise<Update[]> {
      if (updates.length === 0) return Promise.resolve([]);
      return new Promise((resolve, reject) => {
        acceptQueue.push({ updates, at, resolve, reject });
        if (!accepting) void drainAccepts();
      });
    },

    /** Updates stored but not yet processed, oldest first: what a restart must finish. */
    async unprocessed(limit = 10_000): Promise<Update[]> {
      const rows = await db.all<{ payload: string }>(
        "SELECT payload FROM telegram_updates WHERE processed_at IS NULL ORDER BY update_id LIMIT ?",
        [limit],
      );
      return rows.map((r) => JSON.parse(r.payload) as Update);
    },

    async isProcessed(updateId: number): Promise<boolean> {
      const row = await db.get<{ processed_at: string | null }>(
        "SELECT processed_at FROM telegram_updates WHERE update_id = ?",
        [updateId],
      );
      return row?.processed_at != null;
    },

    markProcessed(updateId: number, at: string, error?: string): Promise<void> {
      return script([
        {
          sql: "UPDATE telegram_updates SET processed_at = ?, last_error = ? WHERE update_id = ?",
          params: [at, error ?? null, updateId],
        },
      ]);
    },

    noteFailure(updateId: number, error: string): Promise<void> {
      return script([
        {
          sql: "UPDATE telegram_updates SET attempts = attempts + 1, last_error = ? WHERE update_id = ?",
          params: [error.slice(0, 500), updateId],
        },
      ]);
    },

    async sentSeqs(updateId: number): Promise<Set<number>> {
      const rows = await db.all<{ seq: number }>("SELECT seq FROM telegram_sends WHERE update_id = ?", [
        updateId,
      ]);
      return new Set(rows.map((r) => r.seq));
    },

    /** Recorded right after Telegram confirmed the message; with `processed`, the update is finished too. */
    markSent(
      updateId: number,
      seq: number,
      messageId: number | null,
      at: string,
      processed = false,
    ): Promise<void> {
      const out: Statement[] = [
        {
          sql: "INSERT INTO telegram_sends (update_id, seq, message_id, sent_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
          params: [updateId, seq, messageId, at],
        },
      ];
      if (processed) {
        out.push({
          sql: "UPDATE telegram_updates SET processed_at = ? WHERE update_id = ?",
          params: [at, updateId],
        });
      }
      return script(out);
    },

    /** Of these (update, seq) pairs, those with no send recorded. */
    async unconfirmedSends(keys: readonly { updateId: number; seq: number }[]): Promise<Set<string>> {
      const ids = [...new Set(keys.map((k) => k.updateId))];
      const done = new Set<string>();
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        const rows = await db.all<{ update_id: number; seq: number }>(
          `SELECT update_id, seq FROM telegram_sends WHERE update_id IN (${chunk.map(() => "?").join(", ")})`,
          chunk,
        );
        for (const r of rows) done.add(`${r.update_id}:${r.seq}`);
      }
      return new Set(keys.map((k) => `${k.updateId}:${k.seq}`).filter((k) => !done.has(k)));
    },

    /**
     * Of these updates, those stored and not yet processed, each with whether its chat has an open crisis case
     * (the same test as `unsentOutbox`). An update already finished or pruned has nothing left to settle: a
     * journal older than the prune must not leave send rows behind for an update_id Telegram may reuse.
     */
    async openUpdates(updateIds: readonly number[]): Promise<Map<number, { crisis: boolean }>> {
      return crisisFlags(
        [...new Set(updateIds)],
        (marks) => `SELECT u.update_id AS id, COALESCE(
                 ${jsonText(db.dialect, "u.payload", ["message", "chat", "id"])},
                 ${jsonText(db.dialect, "u.payload", ["edited_message", "chat", "id"])},
                 ${jsonText(db.dialect, "u.payload", ["callback_query", "message", "chat", "id"])},
                 ${jsonText(db.dialect, "u.payload", ["callback_query", "from", "id"])}) AS chat
           FROM telegram_updates u WHERE u.processed_at IS NULL AND u.update_id IN (${marks})`,
      );
    },

    /**
     * Of these outbox rows, those still unsent, each with whether its conversation has an open crisis case
     * (kind crisis, or risk high or imminent): a counselor's message there must arrive, even twice.
     */
    async unsentOutbox(eventIds: readonly number[]): Promise<Map<number, { crisis: boolean }>> {
      return crisisFlags(
        eventIds,
        (marks) => `SELECT o.event_id AS id, o.chat_id AS chat
           FROM telegram_outbox o WHERE o.sent_at IS NULL AND o.event_id IN (${marks})`,
      );
    },

    /** Records, in one commit, sends the journal showed had left; Telegram's own answer was never stored. */
    recordRecovered(
      turns: readonly (RecoveredSend & { updateId: number; seq: number })[],
      outbox: readonly (RecoveredSend & { eventId: number })[],
      at: string,
    ): Promise<void> {
      const statements: Statement[] = [
        ...turns.map((t) => ({
          sql: `INSERT INTO telegram_sends (update_id, seq, message_id, sent_at, note)
                VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
          params: [t.updateId, t.seq, t.messageId, at, t.note],
        })),
        ...outbox.map((o) => ({
          sql: `UPDATE telegram_outbox SET sent_at = ?, message_id = ?, note = ?
                WHERE event_id = ? AND sent_at IS NULL`,
          params: [at, o.messageId, o.note, o.eventId],
        })),
      ];
      return statements.length === 0 ? Promise.resolve() : script(statements);
    },

    savePayloads(entries: readonly { key: string; payload: string }[], at: string): Promise<void> {
      if (entries.length === 0) return Promise.resolve();
      return script(
        entries.map((e) => ({
          sql: "INSERT INTO telegram_payloads (key, payload, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
          params: [e.key, e.payload, at],
        })),
      );
    },

    async payload(key: string): Promise<string | undefined> {
      const row = await db.get<{ payload: string }>("SELECT payload FROM telegram_payloads WHERE key = ?", [
        key,
      ]);
      return row?.payload;
    },

    /** True when this call stored the message, so exactly one caller sends it. */
    enqueueOutbox(eventId: number, chatId: number, message: OutboxMessage, at: string): Promise<boolean> {
      return db.transaction(async (tx) => {
        const r = await tx.run(
          `INSERT INTO telegram_outbox (event_id, chat_id, message, created_at) VALUES (?, ?, ?, ?)
           ON CONFLICT(event_id) DO NOTHING`,
          [eventId, chatId, JSON.stringify(message), at],
        );
        return r.changes === 1;
      });
    },

    async pendingOutbox(): Promise<OutboxRow[]> {
      const rows = await db.all<{ event_id: number; chat_id: number; message: string; attempts: number }>(
        "SELECT event_id, chat_id, message, attempts FROM telegram_outbox WHERE sent_at IS NULL ORDER BY event_id",
      );
      return rows.map((r) => ({
        eventId: r.event_id,
        chatId: r.chat_id,
        message: JSON.parse(r.message) as OutboxMessage,
        attempts: r.attempts,
      }));
    },

    outboxSent(eventId: number, messageId: number | null, at: string, error?: string): Promise<void> {
      return script([
        {
          sql: "UPDATE telegram_outbox SET sent_at = ?, message_id = ?, last_error = ? WHERE event_id = ?",
          params: [at, messageId, error ?? null, eventId],
        },
      ]);
    },

    outboxFailed(eventId: number, error: string): Promise<void> {
      return script([
        {
          sql: "UPDATE telegram_outbox SET attempts = attempts + 1, last_error = ? WHERE event_id = ?",
          params: [error.slice(0, 500), eventId],
        },
      ]);
    },

    /**
     * Replies stored outside a turn (staff messages, system notices) on Telegram conversations after `afterId`
     * that never reached the outbox: a crash between the handoff's commit and `Outbound.deliver` leaves these.
     */
    async undelivered(
      afterId: number,
    ): Promise<{ id: number; conversationId: string; actor: string; payload: string }[]> {
      const replies = await conversations.repliesOutsideTurns("telegram", afterId);
      if (replies.length === 0) return [];
      const queued = new Set<number>();
      for (let i = 0; i < replies.length; i += 500) {
        const ids = replies.slice(i, i + 500).map((r) => r.id);
        const rows = await db.all<{ id: number }>(
          `SELECT event_id AS id FROM telegram_outbox WHERE event_id IN (${ids.map(() => "?").join(", ")})`,
          ids,
        );
        for (const r of rows) queued.add(r.id);
      }
      return replies.filter((r) => !queued.has(r.id));
    },

    maxEventId: () => conversations.maxEventId(),

    async meta(key: string): Promise<string | undefined> {
      const row = await db.get<{ value: string }>("SELECT value FROM telegram_meta WHERE key = ?", [key]);
      return row?.value;
    },

    setMeta(key: string, value: string): Promise<void> {
      return script([
        {
          sql: "INSERT INTO telegram_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
          params: [key, value],
        },
      ]);
    },

    /** Drops processed updates older than `before`: Telegram redelivers within hours, not weeks. */
    prune(before: string): Promise<void> {
      return script([
        {
          sql: `DELETE FROM telegram_sends WHERE update_id IN
                (SELECT update_id FROM telegram_updates WHERE processed_at IS NOT NULL AND processed_at < ?)`,
          params: [before],
        },
        {
          sql: "DELETE FROM telegram_updates WHERE processed_at IS NOT NULL AND processed_at < ?",
          params: [before],
        },
      ]);
    },
  };
}
