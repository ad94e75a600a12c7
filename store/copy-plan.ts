import type pg from "pg";
import { AppError } from "../core/app-error.js";
import { ROWID_KEY, type SourceTable } from "./sqlite-snapshot.js";

/**
 * How each table of a SQLite store goes into a PostgreSQL one (`shouwang db copy`), worked out from the two schemas
 * as they are (sqlite_master on one side, the PostgreSQL catalogue on the other), so that a table added by a later
 * migration is copied without anyone remembering to list it here.
 */

export interface TableCopy {
  source: SourceTable;
  /** Target columns written, in order. */
  columns: string[];
  /** For each of `columns`, the key of the source row it comes from (a column's name, or ROWID_KEY). */
  from: string[];
  /** Identity (or serial) columns: their sequences are set past the copied ids afterwards. */
  identity: string[];
  /** A GENERATED ALWAYS identity column is among `columns`: the INSERT must say OVERRIDING SYSTEM VALUE. */
  alwaysIdentity: boolean;
}

interface TargetColumn {
  table: string;
  column: string;
  identity: "ALWAYS" | "BY DEFAULT" | null;
  serial: boolean;
}

async function targetColumns(client: pg.ClientBase): Promise<Map<string, TargetColumn[]>> {
  const rows = (
    await client.query<{ table: string; column: string; identity: string | null; def: string | null }>(
      `SELECT table_name AS table, column_name AS column, identity_generation AS identity, column_default AS def
       FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
    )
  ).rows;
  const out = new Map<string, TargetColumn[]>();
  for (const r of rows) {
    const list = out.get(r.table) ?? [];
    list.push({
      table: r.table,
      column: r.column,
      identity: r.identity === "ALWAYS" || r.identity === "BY DEFAULT" ? r.identity : null,
      serial: r.def?.startsWith("nextval(") ?? false,
    });
    out.set(r.table, list);
  }
  return out;
}

/** Child → parents, from the target's foreign keys (the ones that would refuse a row copied too early). */
async function foreignKeys(client: pg.ClientBase): Promise<Map<string, Set<string>>> {
  const rows = (
    await client.query<{ child: string; parent: string }>(
      `SELECT child.relname AS child, parent.relname AS parent
       FROM pg_constraint c
       JOIN pg_class child ON child.oid = c.conrelid
       JOIN pg_class parent ON parent.oid = c.confrelid
       JOIN pg_namespace n ON n.oid = child.relnamespace
       WHERE c.contype = 'f' AND n.nspname = current_schema()`,
    )
  ).rows;
  const out = new Map<string, Set<string>>();
  for (const r of rows) {
    // A table referring to itself would need its rows in dependency order; none does, and key order is kept.
    if (r.child === r.parent) continue;
    const set = out.get(r.child) ?? new Set<string>();
    set.add(r.parent);
    out.set(r.child, set);
  }
  return out;
}

/**
 * The documented order: a table comes after every table its foreign keys point to; among tables free to go, by
 * name, so that two runs copy in the same order. A cycle of foreign keys (none today) is refused, not guessed at.
 */
export function foreignKeyOrder(tables: readonly string[], parents: Map<string, Set<string>>): string[] {
  const pending = new Set(tables);
  const done: string[] = [];
  while (pending.size > 0) {
    const ready = [...pending]
      .filter((t) => [...(parents.get(t) ?? [])].every((p) => !pending.has(p)))
      .sort();
    if (ready.length === 0)
      throw new AppError("internal", `foreign keys form a cycle among ${[...pending].sort().join(", ")}`);
    for (const t of ready) {
      pending.delete(t);
      done.push(t);
    }
  }
  return done;
}

/** Every table of the source, in foreign-key order, matched column by column with the target's. */
export async function planCopy(client: pg.ClientBase, source: readonly SourceTable[]): Promise<TableCopy[]> {
  const columns = await targetColumns(client);
  const byName = new Map(source.map((t) => [t.name, t]));
  const order = foreignKeyOrder([...byName.keys()], await foreignKeys(client));
  return order.map((name): TableCopy => {
    const table = byName.get(name) as SourceTable;
    const target = columns.get(name);
    // Both schemas come from the same migration versions (checked before): a difference is a bug in them.
    if (!target)
      throw new AppError("internal", `table ${name} of the SQLite file has no PostgreSQL counterpart`);
    const targetNames = new Set(target.map((c) => c.column));
    const missing = table.columns.filter((c) => !targetNames.has(c));
    if (missing.length > 0)
      throw new AppError("internal", `PostgreSQL's ${name} has no column ${missing.join(", ")}`);
    const plan: TableCopy = { source: table, columns: [], from: [], identity: [], alwaysIdentity: false };
    for (const c of target) {
      // PostgreSQL has no rowid: where a store sorts by SQLite's, the PostgreSQL table has a column of that name.
      const from = table.columns.includes(c.column)
        ? c.column
        : c.column === "rowid" && table.hasRowid
          ? ROWID_KEY
          : undefined;
      if (c.identity || c.serial) plan.identity.push(c.column);
      if (from === undefined) continue;
      plan.columns.push(c.column);
      plan.from.push(from);
      if (c.identity === "ALWAYS") plan.alwaysIdentity = true;
    }
    return plan;
  });
}

/** Triggers that fire on INSERT into the given tables (the statistics counters of migrations-postgres-stats.ts). */
export async function insertTriggers(
  client: pg.ClientBase,
  tables: readonly string[],
): Promise<{ table: string; trigger: string }[]> {
  // pg_trigger.tgtype bit 2 (TRIGGER_TYPE_INSERT); tgisinternal marks those behind foreign keys, which stay.
  return (
    await client.query<{ table: string; trigger: string }>(
      `SELECT c.relname AS table, t.tgname AS trigger
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND (t.tgtype & 4) <> 0
         AND n.nspname = current_schema() AND c.relname = ANY($1)
       ORDER BY c.relname, t.tgname`,
      [tables],
    )
  ).rows;
}
