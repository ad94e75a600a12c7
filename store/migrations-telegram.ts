import type { Migration } from "./sql.js";

/** Tables owned by the telegram module; versions 400-499 are reserved for it so features can evolve independently. */
export const TELEGRAM_MIGRATIONS: readonly Migration[] = [
  {
    version: 400,
    name: "telegram inbox, sends, button payloads, outbox",
    sql: `
      -- Durable inbox: every update is stored here before Telegram is told it arrived (webhook 200, or the next
      -- getUpdates offset). processed_at is set once its replies went out; rows without it are replayed on start.
      CREATE TABLE telegram_updates (
        update_id INTEGER PRIMARY KEY,
        payload TEXT NOT NULL,
        received_at TEXT NOT NULL,
        processed_at TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
      );
      CREATE INDEX telegram_updates_pending ON telegram_updates(update_id) WHERE processed_at IS NULL;
      CREATE INDEX telegram_updates_done ON telegram_updates(processed_at) WHERE processed_at IS NOT NULL;
      -- One row per message sent for an update (seq = its position in the update's list of messages): a replay
      -- after a crash sends only what is missing.
      CREATE TABLE telegram_sends (
        update_id INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        message_id INTEGER,
        sent_at TEXT NOT NULL,
        PRIMARY KEY (update_id, seq)
      ) WITHOUT ROWID;
      -- callback_data holds at most 64 bytes: longer button payloads are kept here under a hash of themselves.
      CREATE TABLE telegram_payloads (
        key TEXT PRIMARY KEY,
        payload TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) WITHOUT ROWID;
      -- Messages pushed outside a turn (a counselor's reply), keyed by the stored event they come from.
      CREATE TABLE telegram_outbox (
        event_id INTEGER PRIMARY KEY,
        chat_id INTEGER NOT NULL,
        message TEXT NOT NULL,
        created_at TEXT NOT NULL,
        sent_at TEXT,
        message_id INTEGER,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
      );
      CREATE INDEX telegram_outbox_pending ON telegram_outbox(event_id) WHERE sent_at IS NULL;
      CREATE TABLE telegram_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 401,
    name: "telegram sends recovered from the send journal",
    sql: `
      -- Why a send was recorded other than by Telegram's own answer: after a restart, the send journal showed it
      -- had left (message_id NULL when no answer was seen) and it was taken as delivered rather than sent again.
      ALTER TABLE telegram_sends ADD COLUMN note TEXT;
      ALTER TABLE telegram_outbox ADD COLUMN note TEXT;
    `,
  },
];
