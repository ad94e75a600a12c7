import type { Migration } from "./sql.js";

/**
 * Early warning (700-703) for PostgreSQL: the same tables and the same trigger-kept counts as
 * migrations-early-warning.ts (which explains them), as PL/pgSQL trigger functions. A PostgreSQL store starts
 * empty, so the SQLite migration's back-fill of existing rows has nothing to do here.
 */

/** China date of an ISO instant in UTC stored as text. */
const DAY = (column: string) =>
  `to_char(((${column})::timestamptz AT TIME ZONE 'UTC') + interval '8 hours', 'YYYY-MM-DD')`;

const CELL = (row: string, category: string) =>
  `COALESCE(${row}.league, '') || '|' || COALESCE(${row}.county, '') || '|' || ${category}`;

/** As departmentMeasures in migrations-early-warning.ts; comparisons are booleans here, so cast to 0/1. */
const departmentMeasures = (r: string, sign: string): string[] => [
  `${sign}1`,
  `${sign}(${r}.accepted_at IS NOT NULL AND ${r}.accepted_at <= ${r}.accept_by)::int`,
  `${sign}(${r}.accepted_at IS NOT NULL)::int`,
  `${sign}(${r}.resolved IS NOT NULL)::int`,
  `${sign}COALESCE((${r}.resolved = 1)::int, 0)`,
  `${sign}(${r}.rating IS NOT NULL)::int`,
  `${sign}COALESCE((${r}.rating >= 4)::int, 0)`,
  `${sign}(${r}.state = 'closed')::int`,
  `${sign}COALESCE((${r}.state = 'closed' AND ${r}.closed_at <= ${r}.handle_by)::int, 0)`,
];

const M = ["m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8"];

const bump = (series: string, key: string, day: string, columns: string[], values: string) => `
    INSERT INTO stat_counts (series, key, day, ${columns.join(", ")}) VALUES (${series}, ${key}, ${day}, ${values})
      ON CONFLICT (series, key, day) DO UPDATE SET ${columns.map((m) => `${m} = stat_counts.${m} + excluded.${m}`).join(", ")};
    INSERT INTO stat_keys (series, key, stale_from) VALUES (${series}, ${key}, ${day})
      ON CONFLICT (series, key) DO UPDATE SET stale_from = LEAST(COALESCE(stat_keys.stale_from, excluded.stale_from), excluded.stale_from);`;

/** A trigger function and its trigger: `body` runs for each row. */
const trigger = (name: string, when: string, table: string, body: string) => `
  CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    ${body}
    RETURN NULL;
  END $fn$;
  CREATE TRIGGER ${name} ${when} ON ${table} FOR EACH ROW EXECUTE FUNCTION ${name}();`;

export const POSTGRES_STAT_MIGRATIONS: readonly Migration[] = [
  {
    version: 700,
    name: "pre-aggregated complaint and crisis counts",
    sql: `
      CREATE TABLE stat_counts (
        series TEXT NOT NULL,
        key TEXT NOT NULL,
        day TEXT NOT NULL,
        m0 BIGINT NOT NULL DEFAULT 0, m1 BIGINT NOT NULL DEFAULT 0, m2 BIGINT NOT NULL DEFAULT 0,
        m3 BIGINT NOT NULL DEFAULT 0, m4 BIGINT NOT NULL DEFAULT 0, m5 BIGINT NOT NULL DEFAULT 0,
        m6 BIGINT NOT NULL DEFAULT 0, m7 BIGINT NOT NULL DEFAULT 0, m8 BIGINT NOT NULL DEFAULT 0,
        r0 BIGINT, r1 BIGINT, r2 BIGINT, r3 BIGINT, r4 BIGINT, r5 BIGINT, r6 BIGINT, r7 BIGINT, r8 BIGINT,
        PRIMARY KEY (series, key, day)
      );
      CREATE INDEX stat_counts_by_day ON stat_counts(series, day);
      CREATE TABLE stat_keys (
        series TEXT NOT NULL,
        key TEXT NOT NULL,
        stale_from TEXT,
        PRIMARY KEY (series, key)
      );
      CREATE INDEX stat_keys_stale ON stat_keys(stale_from) WHERE stale_from IS NOT NULL;
      ${trigger(
        "stat_complaint_filed",
        "AFTER INSERT",
        "complaints",
        `${bump("'total'", "''", DAY("NEW.opened_at"), ["m0"], "1")}
         ${bump("'cell'", CELL("NEW", "NEW.category"), DAY("NEW.opened_at"), ["m0"], "1")}
         ${bump("'dept'", "NEW.department_id", DAY("NEW.opened_at"), M, departmentMeasures("NEW", "").join(", "))}`,
      )}
      ${trigger(
        "stat_complaint_changed",
        "AFTER UPDATE OF department_id, state, accepted_at, accept_by, closed_at, handle_by, resolved, rating",
        "complaints",
        `${bump("'dept'", "OLD.department_id", DAY("OLD.opened_at"), M, departmentMeasures("OLD", "-").join(", "))}
         ${bump("'dept'", "NEW.department_id", DAY("NEW.opened_at"), M, departmentMeasures("NEW", "").join(", "))}`,
      )}
      ${trigger(
        "stat_history_imported",
        "AFTER INSERT",
        "complaint_history",
        `${bump("'total'", "''", DAY("NEW.received_at"), ["m1"], "1")}
         ${bump("'cell'", CELL("NEW", "COALESCE(NEW.category, '')"), DAY("NEW.received_at"), ["m1"], "1")}`,
      )}
      ${trigger(
        "stat_crisis_opened",
        "AFTER INSERT",
        "cases",
        bump("'crisis'", "NEW.kind", DAY("NEW.opened_at"), ["m0"], "1"),
      )}
    `,
  },
  {
    version: 701,
    name: "spikes",
    sql: `
      CREATE TABLE spikes (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('complaints', 'crisis')),
        day TEXT NOT NULL,
        league TEXT,
        county TEXT,
        category TEXT,
        observed BIGINT NOT NULL,
        expected DOUBLE PRECISION NOT NULL,
        p_value DOUBLE PRECISION NOT NULL,
        detected_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        alerted_at TEXT
      );
      CREATE INDEX spikes_by_day ON spikes(day);
    `,
  },
  {
    version: 702,
    name: "hot issue snapshots",
    sql: `
      CREATE TABLE hot_issue_snapshots (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        computed_at TEXT NOT NULL,
        range_from TEXT NOT NULL,
        range_to TEXT NOT NULL,
        messages BIGINT NOT NULL,
        issues TEXT NOT NULL
      );
    `,
  },
  {
    version: 703,
    name: "complaints not responded to",
    sql: "CREATE INDEX complaints_unaccepted ON complaints(accept_by) WHERE accepted_at IS NULL;",
  },
];
