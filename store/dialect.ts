import type { Dialect, Queryable } from "./sql.js";

/**
 * The few places where SQLite and PostgreSQL need different SQL, each behind one named helper. Everything else is
 * written in SQL both accept (ON CONFLICT … DO NOTHING, IS NOT DISTINCT FROM, CASE, COALESCE, RETURNING).
 */

/** Text at a JSON path of a TEXT column holding JSON: `jsonText(d, "payload", ["message", "chat", "id"])`. */
export function jsonText(dialect: Dialect, column: string, path: readonly string[]): string {
  if (!path.every((p) => /^[A-Za-z0-9_]+$/.test(p))) throw new Error(`bad JSON path ${path.join(".")}`);
  return dialect === "postgres"
    ? `((${column})::jsonb #>> '{${path.join(",")}}')`
    : `json_extract(${column}, '$.${path.join(".")}')`;
}

/** China time (UTC+8) of an ISO-8601 UTC instant stored as text, formatted as `YYYY-MM-DD` (day) or `YYYY-MM` (month). */
export function chinaDate(dialect: Dialect, column: string, unit: "day" | "month"): string {
  if (dialect === "postgres")
    return `to_char(((${column})::timestamptz AT TIME ZONE 'UTC') + interval '8 hours', '${unit === "day" ? "YYYY-MM-DD" : "YYYY-MM"}')`;
  return unit === "day" ? `date(${column}, '+8 hours')` : `strftime('%Y-%m', ${column}, '+8 hours')`;
}

/** Days (fractional) from one ISO instant stored as text to another. */
export function daysBetween(dialect: Dialect, from: string, to: string): string {
  return dialect === "postgres"
    ? `(EXTRACT(EPOCH FROM ((${to})::timestamptz - (${from})::timestamptz)) / 86400.0)`
    : `(julianday(${to}) - julianday(${from}))`;
}

/** The smaller of two values, NULL when either is (SQLite's two-argument MIN; PostgreSQL's LEAST skips NULLs). */
export function smaller(dialect: Dialect, a: string, b: string): string {
  return dialect === "postgres"
    ? `(CASE WHEN (${a}) IS NULL OR (${b}) IS NULL THEN NULL ELSE LEAST(${a}, ${b}) END)`
    : `MIN(${a}, ${b})`;
}

/** A condition as the integer 0 or 1 (SQLite's comparisons already are; PostgreSQL's are booleans). */
export function asInt(dialect: Dialect, condition: string): string {
  return dialect === "postgres" ? `(${condition})::int` : `(${condition})`;
}

/**
 * Inserts one row and returns the id the database gave it (SQLite's rowid, PostgreSQL's identity column). Goes
 * through `run`, so it keeps its place in the connection's write queue like any other write.
 */
export async function insertReturningId(
  q: Queryable,
  sql: string,
  params: readonly import("./sql.js").Param[],
): Promise<number> {
  const r = await q.run(q.dialect === "postgres" ? `${sql} RETURNING id` : sql, params);
  return r.lastID;
}

/** The id the last INSERT of this connection gave its last row, inside a script (a turn's event range). */
export function lastInsertedId(dialect: Dialect): string {
  return dialect === "postgres" ? "lastval()" : "last_insert_rowid()";
}

/**
 * An inner join whose order the planner must keep: SQLite's CROSS JOIN (which also takes an ON clause) pins the
 * left table outside; PostgreSQL has no such hint and refuses CROSS JOIN … ON, so it gets a plain JOIN.
 */
export function orderedJoin(dialect: Dialect): string {
  return dialect === "postgres" ? "JOIN" : "CROSS JOIN";
}
