import pg from "pg";
import { AppError } from "../core/app-error.js";
import { insertTriggers, planCopy, type TableCopy } from "./copy-plan.js";
import { MIGRATIONS } from "./migrations.js";
import { POSTGRES_MIGRATIONS } from "./migrations-postgres.js";
import { migratePostgres } from "./migrations-postgres-run.js";
import { describeUrl, reasonOf, TYPES, WRITE_LOCK } from "./postgres.js";
import type { Param } from "./sql.js";
import { openSqliteSnapshot, quoteName, type SourceTable, type SqliteSnapshot } from "./sqlite-snapshot.js";

/**
 * `shouwang db copy`: moves a deployment that began on the embedded SQLite file to PostgreSQL. Every table, ids
 * kept, in one transaction on the target (all or nothing), then the target's sequences set past the copied ids.
 * Only into a database that holds no Shouwang data yet, and only from a file at this version's schema.
 */

export interface CopiedTable {
  table: string;
  /** Rows in the SQLite file (its snapshot). */
  source: number;
  /** Rows in PostgreSQL after the commit, counted again. */
  target: number;
}

export interface CopyReport {
  /** The target's URL without its password. */
  target: string;
  /** In the order they were copied. */
  tables: CopiedTable[];
  /** Tables whose counts differ after the commit (none, unless something else wrote to the target meanwhile). */
  mismatched: string[];
}

export interface CopyOptions {
  /** Rows per INSERT (and per read from SQLite), at most; fewer for wide tables. Default 1000. */
  batchRows?: number;
  /** Called as each table is done, in copy order. */
  onTable?: (table: string, rows: number) => void;
}

/**
 * Rows that the migrations themselves write, by table: a freshly migrated database has them and is still empty of
 * Shouwang data; the copy replaces them with the file's. (The closed erasure gate, migration 8.)
 */
const SEEDED: Record<string, string> = { erase_gate: "id = 1 AND open = 0" };

/** Refuses a file at another schema version: its tables would not match this version's PostgreSQL schema. */
function checkVersions(versions: number[] | undefined, path: string): void {
  const expected = MIGRATIONS.map((m) => m.version);
  const have = new Set(versions ?? []);
  const newer = [...have].filter((v) => !expected.includes(v));
  if (newer.length > 0)
    throw new AppError(
      "conflict",
      `refused: ${path} was written by a newer Shouwang (schema versions ${newer.join(", ")} unknown here): upgrade this installation, then copy`,
    );
  const older = expected.filter((v) => !have.has(v));
  if (older.length > 0)
    throw new AppError(
      "conflict",
      `refused: ${path} is at an older schema (missing versions ${older.slice(0, 5).join(", ")}${older.length > 5 ? ", …" : ""}): start this version of Shouwang on it once (SHOUWANG_DB=${path}), stop it, then copy`,
    );
}

/** Source tables that already hold rows in the target (beyond what the migrations seed); those missing count as empty. */
async function tablesWithData(client: pg.ClientBase, tables: readonly string[]): Promise<string[]> {
  const present = new Set(
    (
      await client.query<{ name: string }>(
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()",
      )
    ).rows.map((r) => r.name),
  );
  const out: string[] = [];
  for (const t of tables) {
    if (!present.has(t)) continue;
    const seeded = SEEDED[t];
    const r = await client.query<{ found: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM ${quoteName(t)}${seeded ? ` WHERE NOT (${seeded})` : ""}) AS found`,
    );
    // TYPES reads booleans as 0/1.
    if (Number(r.rows[0]?.found)) out.push(t);
  }
  return out;
}

async function refuseIfHoldsData(client: pg.ClientBase, tables: readonly string[], where: string) {
  const found = await tablesWithData(client, tables);
  if (found.length > 0)
    throw new AppError(
      "conflict",
      `refused: ${where} already holds Shouwang data (${found.slice(0, 5).join(", ")}${found.length > 5 ? ", …" : ""}); copy only into a new database or one that is migrated but has no rows`,
    );
}

/** Refuses a target migrated by a newer Shouwang, before anything is written to it. */
async function refuseNewerTarget(client: pg.ClientBase, where: string) {
  const exists = await client.query(
    "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_migrations'",
  );
  if (exists.rowCount === 0) return;
  const known = new Set(POSTGRES_MIGRATIONS.map((m) => m.version));
  const unknown = (
    await client.query<{ version: number }>("SELECT version FROM schema_migrations ORDER BY version")
  ).rows
    .map((r) => Number(r.version))
    .filter((v) => !known.has(v));
  if (unknown.length > 0)
    throw new AppError(
      "conflict",
      `refused: ${where} was migrated by a newer Shouwang (schema versions ${unknown.join(", ")} unknown here)`,
    );
}

/** Copies one table in batches of multi-row INSERTs; returns the rows written. */
async function copyTable(client: pg.ClientBase, source: SqliteSnapshot, plan: TableCopy, batchRows: number) {
  const size = Math.max(1, Math.min(batchRows, Math.floor(30_000 / Math.max(1, plan.columns.length))));
  const head = `INSERT INTO ${quoteName(plan.source.name)} (${plan.columns.map(quoteName).join(", ")})${plan.alwaysIdentity ? " OVERRIDING SYSTEM VALUE" : ""} VALUES `;
  let written = 0;
  for await (const rows of source.batches(plan.source, size)) {
    const params: Param[] = [];
    const tuples = rows.map((row) => {
      const start = params.length;
      for (const key of plan.from) params.push(row[key] ?? null);
      return `(${plan.from.map((_, k) => `$${start + k + 1}`).join(", ")})`;
    });
    const r = await client.query(head + tuples.join(", "), params);
    written += r.rowCount ?? 0;
  }
  return written;
}

/**
 * Sets each identity's next value past the highest copied id, and past ids SQLite's AUTOINCREMENT already handed
 * out whose rows are gone: an id is never given twice, as on SQLite. Without this the next insert would take id 1.
 */
async function resetSequences(client: pg.ClientBase, plans: readonly TableCopy[]) {
  for (const p of plans)
    for (const column of p.identity)
      await client.query(
        `SELECT setval(pg_get_serial_sequence($1, $2),
                       GREATEST(COALESCE((SELECT MAX(${quoteName(column)}) FROM ${quoteName(p.source.name)}), 0), $3::bigint) + 1,
                       false)`,
        [quoteName(p.source.name), column, p.source.highestId],
      );
}

export async function copyToPostgres(
  from: string,
  to: string,
  options: CopyOptions = {},
): Promise<CopyReport> {
  const where = describeUrl(to).safe;
  const source = await openSqliteSnapshot(from);
  try {
    checkVersions(await source.versions(), from);
    const tables = await source.tables();
    const names = tables.map((t) => t.name);
    const pool = await connect(to);
    try {
      // Checked before migrating too, so that a refused copy leaves even an older target's schema as it was.
      const client = await pool.connect();
      try {
        await refuseNewerTarget(client, where);
        await refuseIfHoldsData(client, names, where);
      } finally {
        client.release();
      }
      await migratePostgres(pool);
      const counts = new Map<string, number>();
      for (const t of names) counts.set(t, await source.count(t));
      const order = await copyInOneTransaction(pool, source, tables, where, options);
      return await countAgain(pool, order, counts, where);
    } finally {
      await pool.end();
    }
  } finally {
    await source.close();
  }
}

async function connect(to: string): Promise<pg.Pool> {
  const pool = new pg.Pool({
    connectionString: to,
    max: 2,
    types: TYPES,
    connectionTimeoutMillis: 10_000,
    application_name: "shouwang db copy",
  });
  // As in postgres.ts: an idle client whose server went away must not crash the process.
  pool.on("error", () => undefined);
  try {
    await pool.query("SELECT 1");
    return pool;
  } catch (e) {
    await pool.end().catch(() => undefined);
    const { host, database } = describeUrl(to);
    throw new AppError(
      "unavailable",
      `cannot connect to PostgreSQL at ${host}, database ${database}: ${reasonOf(e)}`,
      {
        cause: e,
      },
    );
  }
}

/** After the commit, each table's rows counted in the target against the file's. */
async function countAgain(
  pool: pg.Pool,
  order: readonly string[],
  counts: Map<string, number>,
  where: string,
): Promise<CopyReport> {
  const report: CopyReport = { target: where, tables: [], mismatched: [] };
  try {
    for (const t of order) {
      const r = await pool.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${quoteName(t)}`);
      const row: CopiedTable = { table: t, source: counts.get(t) ?? 0, target: Number(r.rows[0]?.n ?? 0) };
      report.tables.push(row);
      if (row.source !== row.target) report.mismatched.push(t);
    }
  } catch (e) {
    throw new AppError(
      "unavailable",
      `the copy was committed, but counting it again failed: ${reasonOf(e)}`,
      {
        cause: e,
      },
    );
  }
  // The planner's statistics still describe empty tables; the first queries should not be planned for those.
  // Autovacuum would get there too, later: a failure here costs nothing but that.
  await pool.query("ANALYZE").catch(() => undefined);
  return report;
}

/** The copy itself: all tables or none. Returns the tables in the order they were copied. */
async function copyInOneTransaction(
  pool: pg.Pool,
  source: SqliteSnapshot,
  tables: readonly SourceTable[],
  where: string,
  options: CopyOptions,
): Promise<string[]> {
  const names = tables.map((t) => t.name);
  const client = await pool.connect();
  let broken = false;
  try {
    // The write lock every instance's writes take: an instance already started on the target waits for the copy.
    await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK})`);
    await refuseIfHoldsData(client, names, where);
    const plans = await planCopy(client, tables);
    // The statistics triggers count each complaint and case as it is inserted, but their tables are copied as
    // they are: counted again, every figure would double. Paused inside this transaction only, so a failed copy
    // leaves them as they were. The append-only triggers fire on UPDATE and DELETE, never on INSERT: they stay.
    const paused = await insertTriggers(client, names);
    for (const t of paused)
      await client.query(`ALTER TABLE ${quoteName(t.table)} DISABLE TRIGGER ${quoteName(t.trigger)}`);
    for (const t of Object.keys(SEEDED))
      if (names.includes(t)) await client.query(`DELETE FROM ${quoteName(t)}`);
    for (const plan of plans) {
      let rows: number;
      try {
        rows = await copyTable(client, source, plan, options.batchRows ?? 1000);
      } catch (e) {
        throw new AppError(
          "internal",
          `copy of ${plan.source.name} failed, nothing was written: ${reasonOf(e)}`,
          {
            cause: e,
          },
        );
      }
      options.onTable?.(plan.source.name, rows);
    }
    for (const t of paused)
      await client.query(`ALTER TABLE ${quoteName(t.table)} ENABLE TRIGGER ${quoteName(t.trigger)}`);
    await resetSequences(client, plans);
    await client.query("COMMIT");
    return plans.map((p) => p.source.name);
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {
      broken = true;
    });
    // A refusal says what to do; anything else (a row PostgreSQL will not take, a role that does not own the
    // tables) is told as the driver's reason, with the assurance that matters.
    if (e instanceof AppError) throw e;
    throw new AppError("internal", `copy failed, nothing was written: ${reasonOf(e)}`, { cause: e });
  } finally {
    client.release(broken);
  }
}
