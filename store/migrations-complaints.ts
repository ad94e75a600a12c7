import { ERASE_GATE_CLOSED } from "./erase-gate.js";
import type { Migration } from "./sql.js";

/** Tables owned by the complaints module; versions 600-699 are reserved for it so features can evolve independently. */
export const COMPLAINTS_MIGRATIONS: readonly Migration[] = [
  {
    version: 600,
    name: "complaints",
    sql: `
      CREATE TABLE complaints (
        id TEXT PRIMARY KEY,
        conversation_id TEXT NOT NULL REFERENCES conversations(id),
        channel TEXT NOT NULL,
        -- Who filed it (platform user or conversation): the only person who may query it.
        citizen TEXT NOT NULL,
        category TEXT NOT NULL,
        league TEXT,
        county TEXT,
        detail TEXT,
        what TEXT NOT NULL,
        ask TEXT NOT NULL,
        contact TEXT NOT NULL CHECK (contact IN ('chat', 'phone')),
        -- Stored only with the citizen's explicit consent, only for this case.
        phone TEXT,
        department_id TEXT NOT NULL,
        department_name TEXT NOT NULL,
        dispatch_rule TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('dispatched', 'accepted', 'awaiting_info', 'returned', 'closed')),
        group_id TEXT,
        similarity REAL,
        signature TEXT NOT NULL,
        opened_at TEXT NOT NULL,
        accept_by TEXT NOT NULL,
        handle_by TEXT NOT NULL,
        accepted_at TEXT,
        extended INTEGER NOT NULL DEFAULT 0,
        extension_reason TEXT,
        closed_at TEXT,
        result TEXT,
        returns INTEGER NOT NULL DEFAULT 0,
        reminded_at TEXT,
        escalated_at TEXT,
        resolved INTEGER,
        rating INTEGER CHECK (rating BETWEEN 1 AND 5),
        rating_comment TEXT,
        rated_at TEXT,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX complaints_by_citizen ON complaints(citizen, category, state);
      -- The merge check reads one bucket (category and place, open, recent), whatever the total.
      CREATE INDEX complaints_bucket ON complaints(category, county, league, state, opened_at);
      CREATE INDEX complaints_by_department ON complaints(department_id, state);
      CREATE INDEX complaints_due ON complaints(state, handle_by);
      CREATE INDEX complaints_by_group ON complaints(group_id) WHERE group_id IS NOT NULL;
      CREATE TABLE complaint_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        complaint_id TEXT NOT NULL REFERENCES complaints(id),
        type TEXT NOT NULL,
        actor TEXT NOT NULL,
        payload TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL
      );
      CREATE INDEX complaint_events_by_complaint ON complaint_events(complaint_id, id);
      CREATE TRIGGER complaint_events_no_update BEFORE UPDATE ON complaint_events BEGIN SELECT RAISE(ABORT, 'complaint events are append-only'); END;
      CREATE TRIGGER complaint_events_no_delete BEFORE DELETE ON complaint_events BEGIN SELECT RAISE(ABORT, 'complaint events are append-only'); END;
    `,
  },
  {
    version: 601,
    name: "complaint urgency",
    sql: `
      -- Urgency is decided at filing (a hazard "随时会塌") and must survive acceptance and extension.
      ALTER TABLE complaints ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 602,
    name: "erasure gate on complaint events",
    sql: `
      -- As for events and case_events (core migration 8): append-only except through store/erase.ts.
      DROP TRIGGER complaint_events_no_update;
      DROP TRIGGER complaint_events_no_delete;
      CREATE TRIGGER complaint_events_no_update BEFORE UPDATE ON complaint_events ${ERASE_GATE_CLOSED} BEGIN SELECT RAISE(ABORT, 'complaint events are append-only'); END;
      CREATE TRIGGER complaint_events_no_delete BEFORE DELETE ON complaint_events ${ERASE_GATE_CLOSED} BEGIN SELECT RAISE(ABORT, 'complaint events are append-only'); END;
    `,
  },
  {
    version: 603,
    name: "imported past work orders",
    sql: `
      -- Past work orders (历史工单) imported from a file: they feed statistics and hot issues, never the departments'
      -- queues, which read the complaints table only. One row per source id, so a file imported twice adds nothing.
      CREATE TABLE complaint_history (
        source TEXT NOT NULL DEFAULT '',
        source_id TEXT NOT NULL,
        title TEXT,
        text TEXT NOT NULL,
        -- When the citizen wrote, ISO 8601 in UTC (the file's times are read as China time).
        received_at TEXT NOT NULL,
        citizen TEXT,
        likes INTEGER NOT NULL DEFAULT 0 CHECK (likes >= 0),
        reply TEXT,
        -- As given in the file, or found by the place gazetteer in the text (place_inferred = 1).
        place TEXT,
        league TEXT,
        county TEXT,
        place_inferred INTEGER NOT NULL DEFAULT 0,
        -- A category id of handoff/data/complaint-categories.json when known; the file's own label otherwise.
        category TEXT,
        category_label TEXT,
        family TEXT,
        category_inferred INTEGER NOT NULL DEFAULT 0,
        file TEXT NOT NULL,
        line INTEGER NOT NULL,
        imported_at TEXT NOT NULL,
        PRIMARY KEY (source, source_id)
      ) WITHOUT ROWID;
      CREATE INDEX complaint_history_by_time ON complaint_history(received_at);
    `,
  },
];
