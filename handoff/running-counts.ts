import { AppError } from "../core/app-error.js";
import type { Db } from "../store/db.js";
import { orderedJoin } from "../store/dialect.js";

/**
 * Reads of the pre-aggregated counts (store/migrations-early-warning.ts, stat_counts): triggers add each complaint,
 * imported work order and crisis case to its day, and mark the key's running totals stale; a reader first
 * recomputes the stale running totals (settle), then answers a range from two rows per key. The cost of a range
 * is therefore set by the number of keys (旗县区 × category cells, departments), never by the number of complaints.
 */

export type Series = "total" | "cell" | "dept" | "crisis";

/** What m0..m8 of the 'dept' series count, for cases filed on the day (see the migration's triggers). */
export const DEPARTMENT_MEASURES = [
  "cases",
  "respondedOnTime",
  "responded",
  "followedUp",
  "resolved",
  "rated",
  "satisfied",
  "closed",
  "closedOnTime",
] as const;

export type Measures = [number, number, number, number, number, number, number, number, number];

const COLUMNS = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** A China date (YYYY-MM-DD) that exists, or a clear refusal. */
export function checkDay(day: string, name = "date"): string {
  const t = Date.parse(`${day}T00:00:00Z`);
  if (!DAY_RE.test(day) || Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== day)
    throw new AppError("bad_input", `${name}「${day}」不是有效日期（格式 2026-03-01）`);
  return day;
}

/** An inclusive range of China dates; refuses bad dates and a range that ends before it starts. */
export function checkRange(from: string, to: string): { from: string; to: string } {
  checkDay(from, "开始日期");
  checkDay(to, "结束日期");
  if (from > to) throw new AppError("bad_input", `日期范围为空：开始日期 ${from} 晚于结束日期 ${to}`);
  return { from, to };
}

/** The China date `days` after `day` (negative: before). */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** The China date of an instant. */
export const chinaDay = (at: Date | number): string =>
  new Date((typeof at === "number" ? at : at.getTime()) + 8 * 3_600_000).toISOString().slice(0, 10);

/** Day of the week of a China date, 0 = Sunday. */
export const weekday = (day: string): number => new Date(`${day}T00:00:00Z`).getUTCDay();

const measuresOf = (row: Record<string, unknown>, prefix: string): Measures =>
  COLUMNS.map((k) => Number(row[`${prefix}${k}`] ?? 0)) as Measures;

export function createRunningCounts(db: Db) {
  /** Recomputes the running totals of every key marked stale, from its first stale day on, in one statement. */
  async function settle(): Promise<void> {
    const any = await db.get<{ one: number }>(
      "SELECT 1 AS one FROM stat_keys WHERE stale_from IS NOT NULL LIMIT 1",
    );
    if (!any) return;
    await db.transaction(async (tx) => {
      await tx.run(
        `UPDATE stat_counts AS t SET ${COLUMNS.map((k) => `r${k} = x.r${k}`).join(", ")}
         FROM (
           SELECT c.series, c.key, c.day,
             ${COLUMNS.map((k) => `COALESCE(b.r${k}, 0) + SUM(c.m${k}) OVER w AS r${k}`).join(", ")}
           FROM stat_keys k
           JOIN stat_counts c ON c.series = k.series AND c.key = k.key AND c.day >= k.stale_from
           LEFT JOIN stat_counts b ON b.series = k.series AND b.key = k.key
             AND b.day = (SELECT MAX(day) FROM stat_counts WHERE series = k.series AND key = k.key AND day < k.stale_from)
           WHERE k.stale_from IS NOT NULL
           WINDOW w AS (PARTITION BY c.series, c.key ORDER BY c.day ROWS UNBOUNDED PRECEDING)
         ) AS x
         WHERE t.series = x.series AND t.key = x.key AND t.day = x.day`,
      );
      await tx.run("UPDATE stat_keys SET stale_from = NULL WHERE stale_from IS NOT NULL");
    });
  }

  return {
    settle,

    /** Per key of the series, the sums of m0..m8 over the inclusive range of China dates; keys with nothing left out. */
    async range(series: Series, from: string, to: string): Promise<{ key: string; m: Measures }[]> {
      await settle();
      const rows = await db.all<Record<string, unknown>>(
        `SELECT k.key, ${COLUMNS.map((c) => `hi.r${c} - COALESCE(lo.r${c}, 0) AS d${c}`).join(", ")}
         FROM stat_keys k
         -- CROSS JOIN keeps the keys outside, and ORDER BY … LIMIT 1 (not MAX, which walks the key's earlier days)
         -- seeks the last day: a few seeks per key, never a walk over the series' day rows.
         ${orderedJoin(db.dialect)} stat_counts hi ON hi.series = k.series AND hi.key = k.key
           AND hi.day = (SELECT day FROM stat_counts WHERE series = k.series AND key = k.key AND day <= ?
                         ORDER BY day DESC LIMIT 1)
         LEFT JOIN stat_counts lo ON lo.series = k.series AND lo.key = k.key
           AND lo.day = (SELECT day FROM stat_counts WHERE series = k.series AND key = k.key AND day < ?
                         ORDER BY day DESC LIMIT 1)
         WHERE k.series = ?`,
        [to, from, series],
      );
      return rows
        .map((r) => ({ key: String(r.key), m: measuresOf(r, "d") }))
        .filter((r) => r.m.some((x) => x !== 0));
    },

    /** The day rows of the series between two China dates (inclusive), per key: a trend, or one day's cells. */
    async days(
      series: Series,
      from: string,
      to: string,
    ): Promise<{ key: string; day: string; m: Measures }[]> {
      const rows = await db.all<Record<string, unknown>>(
        `SELECT key, day, ${COLUMNS.map((c) => `m${c}`).join(", ")} FROM stat_counts
         WHERE series = ? AND day >= ? AND day <= ? ORDER BY day`,
        [series, from, to],
      );
      return rows.map((r) => ({ key: String(r.key), day: String(r.day), m: measuresOf(r, "m") }));
    },

    /** The first and last day the series has counts on, if any. */
    async span(series: Series): Promise<{ first: string; last: string } | undefined> {
      const r = await db.get<{ first: string | null; last: string | null }>(
        "SELECT MIN(day) AS first, MAX(day) AS last FROM stat_counts WHERE series = ?",
        [series],
      );
      return r?.first && r.last ? { first: r.first, last: r.last } : undefined;
    },
  };
}

export type RunningCounts = ReturnType<typeof createRunningCounts>;

/** A 'cell' key, "league|county|category", taken apart; '' parts are unknown. */
export function cellOf(key: string): {
  league: string | null;
  county: string | null;
  category: string | null;
} {
  const [league = "", county = "", category = ""] = key.split("|");
  return { league: league || null, county: county || null, category: category || null };
}
