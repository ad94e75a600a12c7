import type { Migration } from "./sql.js";

/** Tables owned by the slack module; versions 500-599 are reserved for it so features can evolve independently. */
export const SLACK_MIGRATIONS: readonly Migration[] = [
  {
    version: 500,
    name: "slack cards, staff links, delivery dedupe",
    sql: `
      -- One Block Kit card per case in the counselors' channel; its thread is where the case is worked.
      -- mirrored_event_id is the high-water mark of conversation events already copied into the thread.
      CREATE TABLE slack_cards (
        case_id TEXT PRIMARY KEY REFERENCES cases(id),
        conversation_id TEXT NOT NULL,
        channel TEXT NOT NULL,
        ts TEXT NOT NULL,
        mirrored_event_id INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE UNIQUE INDEX slack_cards_by_message ON slack_cards(channel, ts);
      CREATE INDEX slack_cards_by_conversation ON slack_cards(conversation_id, created_at);
      -- Which Slack user acts as which staff account; a user not listed here can do nothing from Slack.
      CREATE TABLE slack_users (
        slack_user_id TEXT PRIMARY KEY,
        username TEXT NOT NULL REFERENCES staff(username),
        created_at TEXT NOT NULL
      );
      CREATE INDEX slack_users_by_username ON slack_users(username);
      -- Deliveries already handled (event_id, message channel+ts): Slack retries must not act twice.
      CREATE TABLE slack_seen (
        key TEXT PRIMARY KEY,
        seen_at TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX slack_seen_by_time ON slack_seen(seen_at);
    `,
  },
  {
    version: 501,
    name: "slack complaint cards in department channels",
    sql: `
      -- One card per complaint per department channel: a re-dispatched complaint keeps its old card (marked as
      -- moved, no buttons) and gets a new one in the new department's channel.
      -- No foreign key: complaints (600) is created after this migration (501) on a new database.
      CREATE TABLE slack_complaint_cards (
        complaint_id TEXT NOT NULL,
        channel TEXT NOT NULL,
        ts TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (complaint_id, channel)
      );
      CREATE UNIQUE INDEX slack_complaint_cards_by_message ON slack_complaint_cards(channel, ts);
    `,
  },
];
