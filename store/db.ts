import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import sqlite3 from "sqlite3";
import { AppError } from "../core/app-error.js";
import { migrate } from "./migrations.js";

export type Param = string | number | bigint | null | Buffer;

export interface RunResult {
  changes: number;
  lastID: number;
}

export interface Queryable {
  run(sql: string, params?: readonly Param[]): Promise<RunResult>;
  get<T>(sql: string, params?: readonly Param[]): Promise<T | undefined>;
  all<T>(sql: string, params?: readonly Param[]): Promise<T[]>;
}

export interface Statement {
  sql: string;
  params: readonly Param[];
}

/**
 * Renders a statement with its parameters as SQL literals. Only for `Db.script`, which exists because every
 * round trip through node-sqlite3's thread pool costs tens of microseconds: a whole turn is one script.
 * Placeholders are the `?` characters of our own SQL text, which never contains a literal `?`.
 */
export function renderStatement({ sql, params }: Statement): string {
  const parts = templateOf(sql);
  if (params.length !== parts.length - 1) {
    throw new Error(
      `${params.length} parameters for ${parts.length - 1} placeholders in: ${sql.slice(0, 80)}`,
    );
  }
  let out = parts[0] ?? "";
  for (let i = 0; i < params.length; i++) out += literal(params[i] ?? null) + (parts[i + 1] ?? "");
  return out;
}

/** The SQL text split at its placeholders, checked once per distinct statement text (a turn has a handful). */
const templates = new Map<string, readonly string[]>();
function templateOf(sql: string): readonly string[] {
  let parts = templates.get(sql);
  if (parts) return parts;
  // Our statements carry every value as a parameter; a quote or a numbered placeholder in the SQL text means
  // someone built SQL by hand, and splitting at `?` would then be wrong.
  if (/['"]|\?\d/.test(sql))
    throw new Error(`renderStatement takes parameterised SQL only: ${sql.slice(0, 80)}`);
  parts = sql.split("?");
  // Statement texts are few and fixed (a multi-row INSERT has one text per row count); the bound is a guard.
  if (templates.size < 1000) templates.set(sql, parts);
  return parts;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding NUL is the point.
const QUOTE_OR_NUL = /['\u0000]/;

function literal(v: Param): string {
  if (v === null) return "NULL";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error("non-finite number in SQL");
    return String(v);
  }
  if (typeof v === "bigint") return v.toString();
  if (Buffer.isBuffer(v)) return `X'${v.toString("hex")}'`;
  // One scan for the common case: no quote to double and no NUL, which sqlite3_exec (reading C strings) would
  // take as the end of the script; a NUL is refused rather than stored.
  if (!QUOTE_OR_NUL.test(v)) return `'${v}'`;
  if (v.includes("\u0000")) throw new Error("NUL character in SQL text");
  return `'${v.replaceAll("'", "''")}'`;
}

export interface Db extends Queryable {
  /* `get`/`all` read the connection directly (they may see another conversation's uncommitted rows, never their
     own conversation's, which the per-conversation lock orders); `run` is queued between transactions. */
  readonly path: string;
  exec(sql: string): Promise<void>;
  /**
   * Runs `fn` inside BEGIN IMMEDIATE … COMMIT. One connection serves the whole process, so transactions are
   * queued here: interleaving two would silently merge them.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs the statements as one transaction in a single round trip; all or nothing. */
  script(statements: readonly Statement[]): Promise<void>;
  close(): Promise<void>;
}

function wrap(raw: sqlite3.Database): Queryable & { exec(sql: string): Promise<void> } {
  return {
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

export async function openDatabase(path: string): Promise<Db> {
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
