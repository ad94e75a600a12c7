import { existsSync } from "node:fs";
import sqlite3 from "sqlite3";
import { AppError } from "../core/app-error.js";
import type { Param } from "./sql.js";

/**
 * A SQLite store read for copying elsewhere (`shouwang db copy`): opened read-only, never migrated, and read inside
 * one read transaction, so that every table comes from the same moment even if a server still writes to the file.
 */

/** A table of the store as the file's own schema describes it. */
export interface SourceTable {
  name: string;
  /** Declared columns, in order. */
  columns: string[];
  /** False for a WITHOUT ROWID table, which has no rowid to copy or to page by. */
  hasRowid: boolean;
  /** What batches are paged by: the rowid, or a WITHOUT ROWID table's primary key. */
  key: string[];
  /** AUTOINCREMENT's high-water mark (sqlite_sequence): ids handed out once, even if their rows are gone. */
  highestId: number;
}

/** One row as read: declared columns by name, and the rowid (when the table has one) under ROWID_KEY. */
export type SourceRow = Record<string, Param>;

/** Where a row's rowid is put: a name no declared column has, since SQLite reserves nothing like it. */
export const ROWID_KEY = "__shouwang_rowid";

export interface SqliteSnapshot {
  readonly path: string;
  /** Migration versions the file records; undefined when it predates schema_migrations (PRAGMA user_version). */
  versions(): Promise<number[] | undefined>;
  /** The store's tables: SQLite's own (sqlite_*) and the migrator's bookkeeping are not among them. */
  tables(): Promise<SourceTable[]>;
  count(table: string): Promise<number>;
  /** The table's rows, `size` at a time, in key order (keyset paging: every batch costs the same). */
  batches(table: SourceTable, size: number): AsyncGenerator<SourceRow[]>;
  close(): Promise<void>;
}

export const quoteName = (name: string): string => `"${name.replaceAll('"', '""')}"`;

export async function openSqliteSnapshot(path: string): Promise<SqliteSnapshot> {
  // OPEN_READONLY would refuse a missing file too, but with SQLite's own words; and never create one.
  if (!existsSync(path)) throw new AppError("not_found", `no SQLite file at ${path}`);
  const raw = await new Promise<sqlite3.Database>((resolve, reject) => {
    const db = new sqlite3.Database(path, sqlite3.OPEN_READONLY, (err) =>
      err
        ? reject(new AppError("unavailable", `cannot open ${path}: ${err.message}`, { cause: err }))
        : resolve(db),
    );
  });
  raw.configure("busyTimeout", 5000);
  const all = <T>(sql: string, params: readonly Param[] = []) =>
    new Promise<T[]>((resolve, reject) =>
      raw.all(sql, params as Param[], (err: Error | null, rows: T[]) => (err ? reject(err) : resolve(rows))),
    );
  const exec = (sql: string) =>
    new Promise<void>((resolve, reject) => raw.exec(sql, (err) => (err ? reject(err) : resolve())));
  const close = () => new Promise<void>((resolve) => raw.close(() => resolve()));

  try {
    await exec("BEGIN");
    // The snapshot is taken at the first read, not at BEGIN; this is also where a file that is not a database says so.
    await all("SELECT COUNT(*) FROM sqlite_master");
  } catch (e) {
    await close();
    throw new AppError("unavailable", `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }

  const names = async (sql: string, params: readonly Param[] = []) =>
    (await all<{ name: string }>(sql, params)).map((r) => r.name);

  return {
    path,
    async versions() {
      const found = await names(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
      );
      if (found.length === 0) return undefined;
      return (await all<{ version: number }>("SELECT version FROM schema_migrations ORDER BY version")).map(
        (r) => r.version,
      );
    },
    async tables() {
      const listed = await all<{ name: string; wr: number }>(
        `SELECT name, wr FROM pragma_table_list
         WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> 'schema_migrations'
         ORDER BY name`,
      );
      const hasSequence =
        (await names("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'"))
          .length > 0;
      const out: SourceTable[] = [];
      for (const t of listed) {
        const info = await all<{ name: string; pk: number }>(
          "SELECT name, pk FROM pragma_table_info(?) ORDER BY cid",
          [t.name],
        );
        const hasRowid = t.wr === 0;
        const key = hasRowid
          ? ["rowid"]
          : info
              .filter((c) => c.pk > 0)
              .sort((a, b) => a.pk - b.pk)
              .map((c) => c.name);
        const seq = hasSequence
          ? (await all<{ seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = ?", [t.name]))[0]?.seq
          : undefined;
        out.push({ name: t.name, columns: info.map((c) => c.name), hasRowid, key, highestId: seq ?? 0 });
      }
      return out;
    },
    async count(table) {
      const [row] = await all<{ n: number }>(`SELECT COUNT(*) AS n FROM ${quoteName(table)}`);
      return row?.n ?? 0;
    },
    async *batches(table, size) {
      const columns = table.columns.map(quoteName);
      if (table.hasRowid) columns.unshift(`rowid AS ${ROWID_KEY}`);
      const keyOf = (row: SourceRow) =>
        table.key.map((k) => (k === "rowid" ? row[ROWID_KEY] : row[k]) ?? null);
      const keys = table.key.map((k) => (k === "rowid" ? "rowid" : quoteName(k)));
      const placeholders = keys.map(() => "?").join(", ");
      let after: Param[] | undefined;
      for (;;) {
        const rows = await all<SourceRow>(
          `SELECT ${columns.join(", ")} FROM ${quoteName(table.name)}
           ${after ? `WHERE (${keys.join(", ")}) > (${placeholders})` : ""}
           ORDER BY ${keys.join(", ")} LIMIT ?`,
          [...(after ?? []), size],
        );
        if (rows.length === 0) return;
        yield rows;
        if (rows.length < size) return;
        after = keyOf(rows[rows.length - 1] as SourceRow);
      }
    },
    async close() {
      await exec("ROLLBACK").catch(() => undefined);
      await close();
    },
  };
}
