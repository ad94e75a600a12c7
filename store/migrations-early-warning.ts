import type { Migration } from "./sql.js";

/** China date of an ISO instant in UTC, as SQL: the day a complaint or case counts for. */
const DAY = (column: string) => `date(${column}, '+8 hours')`;

/** A cell of the 旗县区 × category table: "league|county|category", '' where unknown. */
const CELL = (row: string, category: string) =>
  `COALESCE(${row}.league, '') || '|' || COALESCE(${row}.county, '') || '|' || ${category}`;

/** Per-department measures of one complaint (see handoff/running-counts.ts, DEPARTMENT_MEASURES), signed. */
const departmentMeasures = (r: string, sign: string): string[] => [
  `${sign}1`,
  `${sign}(${r}.accepted_at IS NOT NULL AND ${r}.accepted_at <= ${r}.accept_by)`,
  `${sign}(${r}.accepted_at IS NOT NULL)`,
  `${sign}(${r}.resolved IS NOT NULL)`,
  `${sign}COALESCE(${r}.resolved = 1, 0)`,
  `${sign}(${r}.rating IS NOT NULL)`,
  `${sign}COALESCE(${r}.rating >= 4, 0)`,
  `${sign}(${r}.state = 'closed')`,
  `${sign}COALESCE(${r}.state = 'closed' AND ${r}.closed_at <= ${r}.handle_by, 0)`,
];
const DEPARTMENT_MEASURES = (r: string, sign: string) => departmentMeasures(r, sign).join(", ");

const M = ["m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8"];

/** Adds to a day's counts and marks the key's running totals stale from that day. */
const bump = (series: string, key: string, day: string, columns: string[], values: string) => `
    INSERT INTO stat_counts (series, key, day, ${columns.join(", ")}) VALUES (${series}, ${key}, ${day}, ${values})
      ON CONFLICT (series, key, day) DO UPDATE SET ${columns.map((m) => `${m} = ${m} + excluded.${m}`).join(", ")};
    INSERT INTO stat_keys (series, key, stale_from) VALUES (${series}, ${key}, ${day})
      ON CONFLICT (series, key) DO UPDATE SET stale_from = min(COALESCE(stale_from, excluded.stale_from), excluded.stale_from);`;

/**
 * Early warning (早发现、早预防): pre-aggregated counts for spikes and the supervisors' dashboard, detected spikes,
 * and hot-issue snapshots. Versions 700-749 are reserved for it.
 */
export const EARLY_WARNING_MIGRATIONS: readonly Migration[] = [
  {
    version: 700,
    name: "pre-aggregated complaint and crisis counts",
    sql: `
      -- Counts per series, key and China day, kept by the triggers below, so that the dashboard and the spike check
      -- never scan the complaints: m0..m8 are the series' measures (handoff/running-counts.ts names them), r0..r8
      -- their running totals up to and including the day, per key. A range [from, to] of a key is then two rows
      -- (the last at or before 'to' minus the last before 'from'), however many complaints it holds.
      --   total  ''                      m0 live complaints, m1 imported work orders (the trend)
      --   cell   league|county|category  m0 live, m1 imported (the 旗县区 × category table and spikes)
      --   dept   department id           m0..m8 by the day the case was filed (the three rates)
      --   crisis kind                    m0 crisis cases opened (counts only, never cases)
      CREATE TABLE stat_counts (
        series TEXT NOT NULL,
        key TEXT NOT NULL,
        day TEXT NOT NULL,
        m0 INTEGER NOT NULL DEFAULT 0, m1 INTEGER NOT NULL DEFAULT 0, m2 INTEGER NOT NULL DEFAULT 0,
        m3 INTEGER NOT NULL DEFAULT 0, m4 INTEGER NOT NULL DEFAULT 0, m5 INTEGER NOT NULL DEFAULT 0,
        m6 INTEGER NOT NULL DEFAULT 0, m7 INTEGER NOT NULL DEFAULT 0, m8 INTEGER NOT NULL DEFAULT 0,
        r0 INTEGER, r1 INTEGER, r2 INTEGER, r3 INTEGER, r4 INTEGER, r5 INTEGER, r6 INTEGER, r7 INTEGER, r8 INTEGER,
        PRIMARY KEY (series, key, day)
      ) WITHOUT ROWID;
      -- One day of one series (a spike check reads a day's cells).
      CREATE INDEX stat_counts_by_day ON stat_counts(series, day);
      -- Every key a series has seen, and the first day whose running totals must be recomputed (NULL: none).
      -- Writers only mark; readers recompute (settle) before reading, in one statement for all stale keys.
      CREATE TABLE stat_keys (
        series TEXT NOT NULL,
        key TEXT NOT NULL,
        stale_from TEXT,
        PRIMARY KEY (series, key)
      ) WITHOUT ROWID;
      CREATE INDEX stat_keys_stale ON stat_keys(stale_from) WHERE stale_from IS NOT NULL;

      CREATE TRIGGER stat_complaint_filed AFTER INSERT ON complaints BEGIN
        ${bump("'total'", "''", DAY("NEW.opened_at"), ["m0"], "1")}
        ${bump("'cell'", CELL("NEW", "NEW.category"), DAY("NEW.opened_at"), ["m0"], "1")}
        ${bump("'dept'", "NEW.department_id", DAY("NEW.opened_at"), M, DEPARTMENT_MEASURES("NEW", ""))}
      END;
      -- A case moves (受理, 改派, 办结, 回访, 评价): its old contribution comes off its old department, the new one on.
      CREATE TRIGGER stat_complaint_changed
        AFTER UPDATE OF department_id, state, accepted_at, accept_by, closed_at, handle_by, resolved, rating ON complaints
      BEGIN
        ${bump("'dept'", "OLD.department_id", DAY("OLD.opened_at"), M, DEPARTMENT_MEASURES("OLD", "-"))}
        ${bump("'dept'", "NEW.department_id", DAY("NEW.opened_at"), M, DEPARTMENT_MEASURES("NEW", ""))}
      END;
      CREATE TRIGGER stat_history_imported AFTER INSERT ON complaint_history BEGIN
        ${bump("'total'", "''", DAY("NEW.received_at"), ["m1"], "1")}
        ${bump("'cell'", CELL("NEW", "COALESCE(NEW.category, '')"), DAY("NEW.received_at"), ["m1"], "1")}
      END;
      CREATE TRIGGER stat_crisis_opened AFTER INSERT ON cases BEGIN
        ${bump("'crisis'", "NEW.kind", DAY("NEW.opened_at"), ["m0"], "1")}
      END;

      -- What the database already holds.
      INSERT INTO stat_counts (series, key, day, m0, m1)
        SELECT 'total', '', day, SUM(live), SUM(imported) FROM (
          SELECT ${DAY("opened_at")} AS day, 1 AS live, 0 AS imported FROM complaints
          UNION ALL SELECT ${DAY("received_at")}, 0, 1 FROM complaint_history) GROUP BY day;
      INSERT INTO stat_counts (series, key, day, m0, m1)
        SELECT 'cell', key, day, SUM(live), SUM(imported) FROM (
          SELECT ${CELL("c", "c.category")} AS key, ${DAY("opened_at")} AS day, 1 AS live, 0 AS imported FROM complaints c
          UNION ALL
          SELECT ${CELL("h", "COALESCE(h.category, '')")}, ${DAY("received_at")}, 0, 1 FROM complaint_history h)
        GROUP BY key, day;
      INSERT INTO stat_counts (series, key, day, ${M.join(", ")})
        SELECT 'dept', c.department_id, ${DAY("c.opened_at")}, ${M.map((_, k) => `SUM(x${k})`).join(", ")} FROM (
          SELECT *, ${departmentMeasures("complaints", "")
            .map((e, k) => `${e} AS x${k}`)
            .join(", ")} FROM complaints) c
        GROUP BY c.department_id, ${DAY("c.opened_at")};
      INSERT INTO stat_counts (series, key, day, m0)
        SELECT 'crisis', kind, ${DAY("opened_at")}, COUNT(*) FROM cases GROUP BY kind, ${DAY("opened_at")};
      INSERT INTO stat_keys (series, key, stale_from)
        SELECT series, key, MIN(day) FROM stat_counts GROUP BY series, key;
    `,
  },
  {
    version: 701,
    name: "spikes",
    sql: `
      -- A significant daily rise of one 旗县区 × category (kind 'complaints') or of crisis cases region-wide (kind
      -- 'crisis', counts only). Stored before anyone is alerted, and alerted once: alerted_at is set when it was.
      CREATE TABLE spikes (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('complaints', 'crisis')),
        day TEXT NOT NULL,
        league TEXT,
        county TEXT,
        category TEXT,
        observed INTEGER NOT NULL,
        expected REAL NOT NULL,
        p_value REAL NOT NULL,
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
      -- Hot issues take seconds over a month of a busy centre: computed by the sweeper, read by the dashboard.
      CREATE TABLE hot_issue_snapshots (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        computed_at TEXT NOT NULL,
        range_from TEXT NOT NULL,
        range_to TEXT NOT NULL,
        messages INTEGER NOT NULL,
        issues TEXT NOT NULL
      );
    `,
  },
  {
    version: 703,
    name: "complaints not responded to",
    sql: `
      -- 响应率 counts cases whose response deadline passed without 受理: few at any time, found without a scan.
      CREATE INDEX complaints_unaccepted ON complaints(accept_by) WHERE accepted_at IS NULL;
    `,
  },
];
