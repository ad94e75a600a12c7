import type { Migration } from "./sql.js";

/**
 * Tables owned by legal-education campaigns (普法) and their subscriptions; versions 800-899 are reserved for
 * them so the feature can evolve independently.
 */
export const CAMPAIGN_MIGRATIONS: readonly Migration[] = [
  {
    version: 800,
    name: "campaign subscriptions and consent log",
    sql: `
      -- One row per citizen who has ever subscribed, keyed by their conversation (the only address we have).
      -- place_asked: the 盟市 question was put once; league NULL with place_asked = 1 means the whole region.
      CREATE TABLE subscribers (
        conversation_id TEXT PRIMARY KEY,
        channel TEXT NOT NULL,
        league TEXT,
        county TEXT,
        place_asked INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE subscriber_topics (
        conversation_id TEXT NOT NULL REFERENCES subscribers(conversation_id),
        topic TEXT NOT NULL,
        since TEXT NOT NULL,
        PRIMARY KEY (conversation_id, topic)
      ) WITHOUT ROWID;
      -- The audience query reads topic first: everyone subscribed to 劳动就业.
      CREATE INDEX subscriber_topics_by_topic ON subscriber_topics(topic, conversation_id);
      -- PIPL art. 14: consent is informed and specific; this is the record of what each person agreed to (or
      -- withdrew), in the words they were shown, and when. Append-only, like the other logs.
      CREATE TABLE subscription_consents (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        conversation_id TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('subscribe', 'unsubscribe', 'place', 'blocked')),
        topics TEXT NOT NULL DEFAULT '[]',
        wording TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX subscription_consents_by_conversation ON subscription_consents(conversation_id, created_at);
      CREATE TRIGGER subscription_consents_no_update BEFORE UPDATE ON subscription_consents
        BEGIN SELECT RAISE(ABORT, 'the consent log is append-only'); END;
    `,
  },
  {
    version: 801,
    name: "editor role for campaign authors",
    // SQLite cannot change a CHECK in place: the table is rebuilt (foreign keys are off while migrations run and
    // checked before each commit, see migrations.ts). Columns as of migration 2; nothing since added to them.
    sql: `
      CREATE TABLE staff_new (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        username TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('counselor', 'supervisor', 'department', 'admin', 'editor')),
        department TEXT,
        password_hash TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
      );
      INSERT INTO staff_new (id, username, display_name, role, department, password_hash, disabled, created_at)
        SELECT id, username, display_name, role, department, password_hash, disabled, created_at FROM staff;
      DROP TABLE staff;
      ALTER TABLE staff_new RENAME TO staff;
    `,
  },
  {
    version: 802,
    name: "campaigns and their per-recipient queue",
    sql: `
      CREATE TABLE campaigns (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        -- Knowledge entry ids and statute articles attached: [{"kind":"entry","id":…}|{"kind":"article","law":…,"article":…}]
        attachments TEXT NOT NULL DEFAULT '[]',
        topics TEXT NOT NULL,
        -- [] = the whole region; otherwise [{"league":…,"county"?:…}]
        places TEXT NOT NULL DEFAULT '[]',
        channels TEXT NOT NULL,
        send_at TEXT NOT NULL,
        -- Minutes after midnight China time; both NULL = no quiet hours.
        quiet_start INTEGER,
        quiet_end INTEGER,
        weekly_cap INTEGER NOT NULL DEFAULT 3,
        state TEXT NOT NULL CHECK (state IN ('draft', 'approved', 'sending', 'paused', 'done', 'cancelled')),
        author TEXT NOT NULL,
        approver TEXT,
        recipients INTEGER,
        created_at TEXT NOT NULL,
        approved_at TEXT,
        started_at TEXT,
        finished_at TEXT,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX campaigns_due ON campaigns(state, send_at);
      -- Who did what to a campaign (drafted, approved, paused, cancelled): staff accountability.
      CREATE TABLE campaign_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
        type TEXT NOT NULL,
        actor TEXT NOT NULL,
        payload TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL
      );
      CREATE TRIGGER campaign_events_no_update BEFORE UPDATE ON campaign_events
        BEGIN SELECT RAISE(ABORT, 'campaign events are append-only'); END;
      -- The durable queue: one row per recipient, written when the campaign starts. A row leaves 'queued' once:
      -- for 'sent' only after the channel confirmed it (or the send journal showed it left), so a restart
      -- resends nothing that went and drops nothing that was due.
      CREATE TABLE campaign_deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
        conversation_id TEXT NOT NULL,
        channel TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'failed', 'skipped')),
        reason TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        not_before TEXT,
        event_id INTEGER,
        message_id INTEGER,
        note TEXT,
        sent_at TEXT,
        UNIQUE (campaign_id, conversation_id)
      );
      CREATE INDEX campaign_deliveries_queued ON campaign_deliveries(campaign_id, channel, id) WHERE state = 'queued';
      -- The weekly cap counts what each person was sent lately.
      CREATE INDEX campaign_deliveries_sent ON campaign_deliveries(conversation_id, sent_at) WHERE state = 'sent';
      CREATE TABLE campaign_opens (
        campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
        conversation_id TEXT NOT NULL,
        opened_at TEXT NOT NULL,
        PRIMARY KEY (campaign_id, conversation_id)
      ) WITHOUT ROWID;
    `,
  },
];
