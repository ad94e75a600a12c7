/**
 * What the connection (db.ts), the stores and the migrations share: the query interface, parameterised statements
 * (rendered as literals for `Db.script`) and the shape of a migration. Imports nothing else of ours, so db.ts can
 * run the migrations without the two depending on each other.
 */

export type Param = string | number | bigint | null | Buffer;

/** Which SQL the connection speaks: SQLite (the embedded default) or PostgreSQL (SHOUWANG_DATABASE_URL). */
export type Dialect = "sqlite" | "postgres";

export interface RunResult {
  changes: number;
  lastID: number;
}

export interface Queryable {
  /** Where the two dialects differ, store/dialect.ts holds the one named helper that writes each. */
  readonly dialect: Dialect;
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
export function renderStatement({ sql, params }: Statement, dialect: Dialect = "sqlite"): string {
  const parts = templateOf(sql);
  if (params.length !== parts.length - 1) {
    throw new Error(
      `${params.length} parameters for ${parts.length - 1} placeholders in: ${sql.slice(0, 80)}`,
    );
  }
  let out = parts[0] ?? "";
  for (let i = 0; i < params.length; i++) out += literal(params[i] ?? null, dialect) + (parts[i + 1] ?? "");
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

function literal(v: Param, dialect: Dialect): string {
  if (v === null) return "NULL";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error("non-finite number in SQL");
    return String(v);
  }
  if (typeof v === "bigint") return v.toString();
  if (Buffer.isBuffer(v))
    return dialect === "postgres" ? `'\\x${v.toString("hex")}'::bytea` : `X'${v.toString("hex")}'`;
  // One scan for the common case: no quote to double and no NUL, which sqlite3_exec (reading C strings) would
  // take as the end of the script; a NUL is refused rather than stored.
  if (!QUOTE_OR_NUL.test(v)) return `'${v}'`;
  if (v.includes("\u0000")) throw new Error("NUL character in SQL text");
  return `'${v.replaceAll("'", "''")}'`;
}

/** The store's connection: SQLite (db.ts) or PostgreSQL (postgres.ts), the same to everything above store/. */
export interface Db extends Queryable {
  /* `get`/`all` read the connection directly (SQLite: they may see another conversation's uncommitted rows, never
     their own conversation's, which the per-conversation lock orders; PostgreSQL: a pooled connection, committed
     rows only, so a read inside a transaction goes through its `tx`); `run` is queued between transactions. */
  readonly path: string;
  exec(sql: string): Promise<void>;
  /**
   * Runs `fn` inside BEGIN IMMEDIATE … COMMIT (SQLite; on PostgreSQL, BEGIN and the cross-instance write lock).
   * Transactions are queued per process: on SQLite's one connection, interleaving two would silently merge them.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs the statements as one transaction in a single round trip; all or nothing. */
  script(statements: readonly Statement[]): Promise<void>;
  /**
   * Runs `fn` while no other instance runs `exclusive` for the same key (PostgreSQL: a session advisory lock,
   * released if the instance dies). One SQLite file has one process, whose own locks suffice: `fn` just runs.
   */
  exclusive<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /**
   * A lease on once-only work (sweepers, campaign sending, Telegram polling): `held()` is true in exactly one
   * live instance at a time, and passes to a survivor within a few seconds when the holder dies. Always held on
   * SQLite.
   */
  lease(name: string): Lease;
  /** Live events across instances (PostgreSQL LISTEN/NOTIFY); undefined on SQLite, where one process has them all. */
  readonly broadcast?: Broadcast;
  close(): Promise<void>;
}

export interface Lease {
  held(): boolean;
  release(): Promise<void>;
}

export interface Broadcast {
  /** Sends `payload` (at most about 7,900 bytes) to every instance listening on `channel`, this one included. */
  notify(channel: string, payload: string): Promise<void>;
  /** Calls `onPayload` for each notification on `channel`; returns how to stop. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
}

/** One versioned schema change; see migrations.ts. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}
