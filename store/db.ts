import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import sqlite3 from "sqlite3";
import { AppError } from "../core/app-error.js";
import { migrate } from "./migrations.js";
import { type Db, type Param, type Queryable, renderStatement, type Statement } from "./sql.js";

export type { Db };

function wrap(raw: sqlite3.Database): Queryable & { exec(sql: string): Promise<void> } {
  return {
    dialect: "sqlite",
    run: (sql, params = []) =>
      new Promise((resolve, reject) => {
        raw.run(sql, params as Param[], function (this: sqlite3.RunResult, err: Error | null) {
          if (err) reject(err);
          else resolve({ changes: this.changes, lastID: this.lastID });
        });
      }),
    get: <T>(sql: string, params: readonly Param[] = []) =>
      new Promise<T | undefined>((resolve, reject) => {
        raw.get(sql, params as Param[], (err: Error | null, row: T | undefined) =>
          err ? reject(err) : resolve(row),
        );
      }),
    all: <T>(sql: string, params: readonly Param[] = []) =>
      new Promise<T[]>((resolve, reject) => {
        raw.all(sql, params as Param[], (err: Error | null, rows: T[]) =>
          err ? reject(err) : resolve(rows),
        );
      }),
    exec: (sql) => new Promise((resolve, reject) => raw.exec(sql, (err) => (err ? reject(err) : resolve()))),
  };
}

/** True for a PostgreSQL connection URL (SHOUWANG_DATABASE_URL); anything else is a SQLite file path. */
export const isPostgresUrl = (target: string): boolean => /^postgres(ql)?:\/\//i.test(target);

/**
 * Opens the store: a PostgreSQL database when `target` is a postgres:// URL, else the SQLite file at that path
 * (created with its folder if missing). Either way migrated to the current schema.
 */
export async function openDatabase(target: string): Promise<Db> {
  // Loaded only when asked for: the pg driver costs about 45 ms of every SQLite start-up otherwise.
  if (isPostgresUrl(target)) return (await import("./postgres.js")).openPostgres(target);
  return openSqlite(target);
}

async function openSqlite(path: string): Promise<Db> {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const raw = await new Promise<sqlite3.Database>((resolve, reject) => {
    const db = new sqlite3.Database(path, (err) =>
      err ? reject(new AppError("unavailable", `cannot open database ${path}`, { cause: err })) : resolve(db),
    );
  });
  raw.configure("busyTimeout", 5000);
  const q = wrap(raw);
  // WAL + NORMAL: a committed turn survives a process crash; only an OS crash can lose the last commits.
  await q.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;");
  await migrate(q);

  let queue: Promise<unknown> = Promise.resolve();
  const transaction = <T>(fn: (tx: Queryable) => Promise<T>): Promise<T> => {
    const next = queue.then(async () => {
      await q.exec("BEGIN IMMEDIATE");
      try {
        const result = await fn(q);
        await q.exec("COMMIT");
        return result;
      } catch (e) {
        await q.exec("ROLLBACK").catch(() => undefined);
        throw e;
      }
    });
    queue = next.catch(() => undefined);
    return next;
  };

  // Group commit: scripts that arrive while the connection is busy are written together in one transaction,
  // because each round trip through node-sqlite3's thread pool costs far more than the inserts themselves.
  type Pending = { sql: string; resolve: () => void; reject: (e: unknown) => void };
  let open: Pending[] = [];
  /** A batch write is queued or running; it picks up `open` when it ends. */
  let pumping = false;
  /** The queue entry of the latest batch write: if `queue` is still it, nothing else waits behind the batch. */
  let tail: Promise<unknown> | undefined;
  const take = () => {
    const mine = open;
    open = [];
    return mine;
  };

  /** Writes the batch; returns how to settle its callers, which the caller does once the next batch is under way. */
  const writeBatch = async (mine: readonly Pending[]): Promise<() => void> => {
    try {
      await q.exec(`BEGIN IMMEDIATE;\n${mine.map((m) => m.sql).join("\n")}\nCOMMIT;`);
      return () => {
        for (const m of mine) m.resolve();
      };
    } catch (e) {
      await q.exec("ROLLBACK").catch(() => undefined);
      if (mine.length === 1) return () => mine[0]?.reject(e);
    }
    // One script in the batch failed (a redelivered message, say): replay them one by one so only it fails.
    const outcomes: (() => void)[] = [];
    for (const m of mine) {
      try {
        await q.exec(`BEGIN IMMEDIATE;\n${m.sql}\nCOMMIT;`);
        outcomes.push(() => m.resolve());
      } catch (e) {
        await q.exec("ROLLBACK").catch(() => undefined);
        outcomes.push(() => m.reject(e));
      }
    }
    return () => {
      for (const o of outcomes) o();
    };
  };

  /**
   * Pipelined: when a batch commits and scripts are already waiting, they go to SQLite's thread before this
   * batch's callers resume, so those callers work out their next turns on this thread while SQLite writes the
   * waiting ones on its own, instead of the two threads taking turns. Other queued work (a transaction) keeps
   * its place: the waiting scripts then go behind it.
   */
  const write = (mine: readonly Pending[]): Promise<void> =>
    writeBatch(mine).then((settle) => {
      if (open.length > 0) {
        tail = (queue === tail ? write(take()) : queue.then(() => write(take()))).catch(() => undefined);
        queue = tail;
      } else pumping = false;
      settle();
    });

  const script = (statements: readonly Statement[]): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const sql = statements.map((st) => `${renderStatement(st)};`).join("\n");
      open.push({ sql, resolve, reject });
      if (pumping) return;
      pumping = true;
      // Wait one macrotask first: turns that finish their understanding in the same tick all join.
      tail = queue
        .then(() => new Promise((r) => setImmediate(r)))
        .then(() => write(take()))
        .catch(() => undefined);
      queue = tail;
    });

  return {
    path,
    ...q,
    // A write outside a transaction waits its turn too: run while another transaction is open on this one
    // connection, it would join that transaction and vanish with its rollback (an audit entry, say).
    run: (sql, params) => {
      const next = queue.then(() => q.run(sql, params));
      queue = next.catch(() => undefined);
      return next;
    },
    transaction,
    script,
    exclusive: (_key, fn) => fn(),
    lease: () => ({ held: () => true, release: async () => undefined }),
    close: async () => {
      // A batch write may queue the next one as it ends: wait until the queue stops moving.
      for (let last = queue; ; last = queue) {
        await last;
        if (last === queue && !pumping) break;
      }
      await new Promise<void>((resolve, reject) => raw.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
