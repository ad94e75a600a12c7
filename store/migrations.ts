import { ERASE_GATE_CLOSED } from "./erase-gate.js";
import { CAMPAIGN_MIGRATIONS } from "./migrations-campaigns.js";
import { COMPLAINTS_MIGRATIONS } from "./migrations-complaints.js";
import { EARLY_WARNING_MIGRATIONS } from "./migrations-early-warning.js";
import { SLACK_MIGRATIONS } from "./migrations-slack.js";
import { TELEGRAM_MIGRATIONS } from "./migrations-telegram.js";
import { WECHAT_MIGRATIONS } from "./migrations-wechat.js";
import { type Migration, type Queryable, renderStatement } from "./sql.js";

/**
 * Versioned, append-only: never edit a migration that has shipped, add the next one. The version lives in
 * PRAGMA user_version so that a database knows what it holds without a side table.
 */
const CORE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "conversations and event log",
    sql: `
      CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        channel TEXT NOT NULL,
        external_user TEXT,
        mode TEXT NOT NULL DEFAULT 'bot' CHECK (mode IN ('bot', 'waiting', 'human')),
        risk TEXT NOT NULL DEFAULT 'none',
        state TEXT NOT NULL DEFAULT '{}',
        subscribed INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        conversation_id TEXT NOT NULL REFERENCES conversations(id),
        type TEXT NOT NULL,
        actor TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX events_by_conversation ON events(conversation_id, id);
      -- The log is append-only: history a counselor or auditor relies on must not be rewritten.
      CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
      CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
      -- One row per delivered platform message: a redelivery finds its turn here instead of running again.
      CREATE TABLE inbound_keys (
        channel TEXT NOT NULL,
        external_id TEXT NOT NULL,
        conversation_id TEXT NOT NULL,
        first_event_id INTEGER NOT NULL,
        last_event_id INTEGER NOT NULL,
        PRIMARY KEY (channel, external_id)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: "staff, cases, audit",
    sql: `
      CREATE TABLE staff (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        username TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('counselor', 'supervisor', 'department', 'admin')),
        department TEXT,
        password_hash TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
      );
      -- Weekly recurring shifts in China Standard Time; minutes since midnight, end exclusive, may cross midnight.
      CREATE TABLE shifts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        staff_id INTEGER NOT NULL REFERENCES staff(id),
        weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
        start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
        end_minute INTEGER NOT NULL CHECK (end_minute BETWEEN 1 AND 1440)
      );
      CREATE INDEX shifts_by_day ON shifts(weekday);
      CREATE TABLE staff_sessions (
        token_hash TEXT PRIMARY KEY,
        staff_id INTEGER NOT NULL REFERENCES staff(id),
        csrf TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
      );
      CREATE TABLE cases (
        id TEXT PRIMARY KEY,
        conversation_id TEXT NOT NULL REFERENCES conversations(id),
        channel TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('crisis', 'distress', 'human')),
        risk TEXT NOT NULL,
        subject TEXT NOT NULL DEFAULT 'self',
        priority INTEGER NOT NULL,
        state TEXT NOT NULL,
        holder_id INTEGER REFERENCES staff(id),
        transfer_to INTEGER REFERENCES staff(id),
        first_message TEXT NOT NULL,
        opened_at TEXT NOT NULL,
        claimed_at TEXT,
        resolved_at TEXT,
        escalate_at TEXT,
        escalations INTEGER NOT NULL DEFAULT 0,
        outcome TEXT,
        follow_up TEXT,
        updated_at TEXT NOT NULL
      );
      -- At most one open case per conversation: further messages join it.
      CREATE UNIQUE INDEX cases_one_open ON cases(conversation_id)
        WHERE state IN ('waiting', 'claimed', 'active', 'transferred');
      CREATE INDEX cases_queue ON cases(state, priority DESC, opened_at);
      CREATE INDEX cases_due ON cases(escalate_at) WHERE escalate_at IS NOT NULL;
      CREATE INDEX cases_by_holder ON cases(holder_id, state);
      CREATE TABLE case_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        case_id TEXT NOT NULL REFERENCES cases(id),
        type TEXT NOT NULL,
        actor TEXT NOT NULL,
        from_state TEXT,
        to_state TEXT,
        payload TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL
      );
      CREATE INDEX case_events_by_case ON case_events(case_id, id);
      CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END;
      CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END;
      -- Who saw what: PIPL treats mental-health data as sensitive personal information.
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        staff_id INTEGER REFERENCES staff(id),
        username TEXT NOT NULL,
        action TEXT NOT NULL,
        case_id TEXT,
        conversation_id TEXT,
        created_at TEXT NOT NULL
      );
      CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
      CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
    `,
  },
  {
    version: 3,
    name: "turn ids",
    sql: `
      -- A turn (one inbound message and what it produced) gets an id chosen before it is written, so that a
      -- whole turn is one INSERT script and a redelivery finds its replies by turn, not by row ids.
      ALTER TABLE events ADD COLUMN turn TEXT;
      CREATE INDEX events_by_turn ON events(turn) WHERE turn IS NOT NULL;
      ALTER TABLE inbound_keys ADD COLUMN turn TEXT;
    `,
  },
  {
    version: 4,
    name: "turn ranges instead of a turn index",
    sql: `
      -- A redelivery finds its turn by the id range kept in inbound_keys; an index on random turn ids cost every
      -- message about a third of its write time.
      DROP INDEX events_by_turn;
    `,
  },
  {
    version: 5,
    name: "risk kind of a case",
    sql: `
      -- What the risk is: the citizen's own life, a threat the citizen makes against others, or harm done to the
      -- citizen. Counselors and supervisors sort and answer these differently (110 first for a threat).
      ALTER TABLE cases ADD COLUMN risk_kind TEXT NOT NULL DEFAULT 'self' CHECK (risk_kind IN ('self', 'others', 'harmed'));
    `,
  },
  {
    version: 6,
    name: "server secrets",
    sql: `
      -- Keys this installation signs with (the web chat's conversation tokens); made on first use.
      CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL, created_at TEXT NOT NULL);
    `,
  },
  {
    version: 7,
    name: "audit detail",
    sql: `
      -- Failed and refused logins are audited too; the address they came from goes here.
      ALTER TABLE audit_log ADD COLUMN detail TEXT;
    `,
  },
  {
    version: 8,
    name: "erasure gate on the append-only logs",
    sql: `
      -- Event logs stay append-only for everything but one sanctioned path: erasing a citizen's data (their
      -- request, or the retention period's end; PIPL arts. 19 and 47). store/erase.ts opens this gate inside its
      -- own transaction and closes it before committing. The audit log has no citizen content and stays closed.
      CREATE TABLE erase_gate (id INTEGER PRIMARY KEY CHECK (id = 1), open INTEGER NOT NULL DEFAULT 0);
      INSERT INTO erase_gate (id, open) VALUES (1, 0);
      DROP TRIGGER events_no_update;
      DROP TRIGGER events_no_delete;
      DROP TRIGGER case_events_no_update;
      DROP TRIGGER case_events_no_delete;
      CREATE TRIGGER events_no_update BEFORE UPDATE ON events ${ERASE_GATE_CLOSED} BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
      CREATE TRIGGER events_no_delete BEFORE DELETE ON events ${ERASE_GATE_CLOSED} BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
      CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events ${ERASE_GATE_CLOSED} BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END;
      CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events ${ERASE_GATE_CLOSED} BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END;
    `,
  },
  {
    version: 9,
    name: "one case for repeated crises from one client",
    sql: `
      -- A keyed hash of the web client's address (never the address itself): crisis cases opened from one client
      -- within minutes join one case, so a flood of fresh conversations pages counselors once, not once each.
      ALTER TABLE cases ADD COLUMN client_key TEXT;
      CREATE INDEX cases_by_client ON cases(client_key, opened_at);
      -- Conversations that joined a case opened by another conversation (the case's own one is cases.conversation_id).
      CREATE TABLE case_conversations (
        case_id TEXT NOT NULL REFERENCES cases(id),
        conversation_id TEXT NOT NULL REFERENCES conversations(id),
        joined_at TEXT NOT NULL,
        PRIMARY KEY (case_id, conversation_id)
      );
      CREATE INDEX case_conversations_by_conversation ON case_conversations(conversation_id);
    `,
  },
  {
    version: 10,
    name: "rate-limit hits shared by instances",
    sql: `
      -- Login guesses and new web conversations, counted per key over a sliding window (store/windowed-counters.ts),
      -- so that instances sharing one database share their limits. The key is a keyed hash: no address or user name
      -- is stored. Times are milliseconds, as the limits count them; a row is deleted once its expiry has passed.
      -- hold names a reservation (an attempt being checked) until it is kept as a hit or released.
      CREATE TABLE rate_hits (
        key TEXT NOT NULL,
        at INTEGER NOT NULL,
        expires INTEGER NOT NULL,
        hold TEXT
      );
      CREATE INDEX rate_hits_by_key ON rate_hits(key, at);
      CREATE INDEX rate_hits_by_expiry ON rate_hits(expires);
      CREATE INDEX rate_hits_by_hold ON rate_hits(hold) WHERE hold IS NOT NULL;
    `,
  },
];

/** Core migrations, then each feature's own range (see migrations-*.ts), applied in version order. */
export const MIGRATIONS: readonly Migration[] = [
  ...CORE_MIGRATIONS,
  ...TELEGRAM_MIGRATIONS,
  ...SLACK_MIGRATIONS,
  ...COMPLAINTS_MIGRATIONS,
  ...EARLY_WARNING_MIGRATIONS,
  ...CAMPAIGN_MIGRATIONS,
  ...WECHAT_MIGRATIONS,
].sort((a, b) => a.version - b.version);

/**
 * Applies every migration not yet recorded in schema_migrations, in version order. Features own version ranges
 * (migrations-*.ts), so a database may hold 600 before 500 exists: the record is a set, not a high-water mark.
 */
export async function migrate(db: Queryable & { exec(sql: string): Promise<void> }): Promise<void> {
  await db.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
  );
  const applied = new Set(
    (await db.all<{ version: number }>("SELECT version FROM schema_migrations")).map((r) => r.version),
  );
  // Databases from before this table recorded only PRAGMA user_version, which covered the core migrations. They
  // are written into the table, not only noted in memory, so that the next start knows them too.
  const legacy = (await db.get<{ user_version: number }>("PRAGMA user_version"))?.user_version ?? 0;
  for (const m of MIGRATIONS) {
    if (m.version > Math.min(legacy, 99) || applied.has(m.version)) continue;
    await db.exec(
      renderStatement({
        sql: "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
        params: [m.version, m.name, "before schema_migrations (PRAGMA user_version)"],
      }),
    );
    applied.add(m.version);
  }
  const pending = MIGRATIONS.filter((m) => !applied.has(m.version));
  if (pending.length === 0) return;
  // A migration that rebuilds a table (SQLite cannot change a CHECK in place) must drop the old one, which
  // foreign keys forbid while rows refer to it. They are off while migrations run (the pragma is ignored inside a
  // transaction, so it is set here) and every migration is checked against them before it commits.
  const fk = (await db.get<{ foreign_keys: number }>("PRAGMA foreign_keys"))?.foreign_keys ?? 0;
  await db.exec("PRAGMA foreign_keys = OFF");
  try {
    for (const m of pending) {
      const record = renderStatement({
        sql: "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
        params: [m.version, m.name, new Date().toISOString()],
      });
      try {
        await db.exec(`BEGIN IMMEDIATE; ${m.sql}; ${record};`);
        const broken = await db.all<{ table: string }>("PRAGMA foreign_key_check");
        if (broken.length > 0)
          throw new Error(`foreign keys broken in ${[...new Set(broken.map((b) => b.table))].join(", ")}`);
        await db.exec("COMMIT");
      } catch (e) {
        await db.exec("ROLLBACK").catch(() => undefined);
        throw new Error(`migration ${m.version} (${m.name}) failed: ${(e as Error).message}`, { cause: e });
      }
    }
  } finally {
    if (fk) await db.exec("PRAGMA foreign_keys = ON");
  }
}
