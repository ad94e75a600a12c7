import pg from "pg";
import { AppError } from "../core/app-error.js";
import { migratePostgres } from "./migrations-postgres-run.js";
import { createCoordination } from "./postgres-coordination.js";
import {
  type Db,
  type Param,
  type Queryable,
  type RunResult,
  renderStatement,
  type Statement,
} from "./sql.js";

/**
 * The PostgreSQL store (SHOUWANG_DATABASE_URL): the same `Db` as the SQLite file, so nothing above store/ knows
 * which one it has. Reads go to a pool and run side by side. Writes keep SQLite's model, which the code above was
 * written for: one write at a time per process (a queue, as for the one SQLite connection), and one at a time
 * across instances (each write transaction first takes WRITE_LOCK, an advisory lock, as BEGIN IMMEDIATE takes
 * SQLite's write lock). A "read, then write in one transaction" therefore sees no other instance's write between.
 * Per-conversation locks, leases and LISTEN/NOTIFY are in postgres-coordination.ts.
 */

/** Arbitrary, fixed: the advisory lock every write transaction of every instance takes first. */
export const WRITE_LOCK = 7_316_200_001;

/** One type mapping for both stores (exported for the coordination connections): numbers as numbers (COUNT and BIGINT ids too), booleans as 0/1. */
export const TYPES = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => {
    switch (oid) {
      case 20: // int8: ids, COUNT(*), SUM of integers; ours stay far below 2^53
      case 1700: // numeric: AVG, SUM of numeric
        return (v: string) => Number(v);
      case 16: // bool: a comparison in a SELECT list, 0/1 as SQLite gives it
        return (v: string) => (v === "t" ? 1 : 0);
      case 1114: // timestamp without time zone
      case 1184: // timestamptz; our columns are ISO text, but now() and casts stay text too
        return (v: string) => v;
      default:
        return pg.types.getTypeParser(oid, format);
    }
  }) as typeof pg.types.getTypeParser,
};

/** `?` placeholders (ours, in both dialects) as PostgreSQL's `$1, $2, …`; quoted text is left alone. */
const converted = new Map<string, string>();
export function toPostgresPlaceholders(sql: string): string {
  let out = converted.get(sql);
  if (out !== undefined) return out;
  out = "";
  let n = 0;
  let quote: string | undefined;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = undefined;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === "?") out += `$${++n}`;
    else out += ch;
  }
  if (converted.size < 5000) converted.set(sql, out);
  return out;
}

/** Host and database of a connection URL, never its password: what the one start-up line names. */
export function describeUrl(url: string): { host: string; database: string; safe: string } {
  try {
    const u = new URL(url);
    const host = `${u.hostname || "localhost"}${u.port ? `:${u.port}` : ""}`;
    const database = decodeURIComponent(u.pathname.replace(/^\//, "")) || "(default)";
    return { host, database, safe: `postgres://${host}/${database}` };
  } catch {
    return { host: "(unparsable URL)", database: "(unknown)", safe: "postgres://(unparsable)" };
  }
}

/** The driver's reason in a few words: Node's AggregateError (every address refused) has an empty message. */
export function reasonOf(e: unknown): string {
  if (e instanceof AggregateError && e.errors.length > 0) return reasonOf(e.errors[0]);
  if (e instanceof Error) {
    const code = (e as { code?: string }).code;
    if (e.message) return e.message;
    if (code) return code;
  }
  return String(e);
}

type Client = pg.PoolClient;

function clientQueryable(client: Client): Queryable {
  return {
    dialect: "postgres",
    run: async (sql, params = []) => {
      const r = await client.query(toPostgresPlaceholders(sql), params as Param[]);
      const id = (r.rows[0] as { id?: unknown } | undefined)?.id;
      return { changes: r.rowCount ?? 0, lastID: typeof id === "number" ? id : 0 };
    },
    get: async <T>(sql: string, params: readonly Param[] = []) =>
      (await client.query(toPostgresPlaceholders(sql), params as Param[])).rows[0] as T | undefined,
    all: async <T>(sql: string, params: readonly Param[] = []) =>
      (await client.query(toPostgresPlaceholders(sql), params as Param[])).rows as T[],
  };
}

export async function openPostgres(
  url: string,
  options: { poolSize?: number; lockPoolSize?: number; leaseRetryMs?: number } = {},
): Promise<Db> {
  const where = describeUrl(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    types: TYPES,
    connectionTimeoutMillis: 10_000,
    application_name: "shouwang",
  });
  // An idle client whose server went away emits here; the next query reconnects. Without a listener it would
  // crash the process.
  pool.on("error", () => undefined);
  try {
    await pool.query("SELECT 1");
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new AppError(
      "unavailable",
      `cannot connect to PostgreSQL at ${where.host}, database ${where.database}: ${reasonOf(e)}`,
      { cause: e },
    );
  }
  try {
    await migratePostgres(pool);
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw e;
  }

  /** Runs `fn` on one pooled client inside a write transaction holding WRITE_LOCK; rolls back on failure. */
  const inWriteTransaction = async <T>(fn: (client: Client) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK})`);
      const result = await fn(client);
      await client.query("COMMIT");
      return result;
    } catch (e) {
      await client.query("ROLLBACK").catch(() => {
        broken = true;
      });
      throw e;
    } finally {
      client.release(broken);
    }
  };

  let queue: Promise<unknown> = Promise.resolve();
  const enqueue = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work);
    queue = next.catch(() => undefined);
    return next;
  };

  const transaction = <T>(fn: (tx: Queryable) => Promise<T>): Promise<T> =>
    enqueue(() => inWriteTransaction((client) => fn(clientQueryable(client))));

  // Group commit as on SQLite: scripts that arrive while a write is running go together in one round trip (a
  // multi-statement simple query is one transaction); if one of them fails, they are replayed one by one.
  type Pending = { sql: string; resolve: () => void; reject: (e: unknown) => void };
  let open: Pending[] = [];
  let pumping = false;
  const runScripts = (sqls: readonly string[]) =>
    inWriteTransaction(async (client) => {
      await client.query(sqls.join("\n"));
    });
  const writeBatch = async (mine: readonly Pending[]): Promise<void> => {
    try {
      await runScripts(mine.map((m) => m.sql));
      for (const m of mine) m.resolve();
      return;
    } catch (e) {
      if (mine.length === 1) {
        mine[0]?.reject(e);
        return;
      }
    }
    for (const m of mine) {
      try {
        await runScripts([m.sql]);
        m.resolve();
      } catch (e) {
        m.reject(e);
      }
    }
  };
  const pump = (): Promise<void> =>
    enqueue(async () => {
      await new Promise((r) => setImmediate(r));
      const mine = open;
      open = [];
      await writeBatch(mine);
      if (open.length > 0) void pump();
      else pumping = false;
    });
  const script = (statements: readonly Statement[]): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const sql = statements.map((st) => `${renderStatement(st, "postgres")};`).join("\n");
      open.push({ sql, resolve, reject });
      if (pumping) return;
      pumping = true;
      void pump();
    });

  const coordination = createCoordination(url, TYPES, pool, options);

  const pooled: Queryable = {
    dialect: "postgres",
    run: (sql, params) =>
      enqueue(() => inWriteTransaction((client) => clientQueryable(client).run(sql, params))),
    get: async <T>(sql: string, params: readonly Param[] = []) =>
      (await pool.query(toPostgresPlaceholders(sql), params as Param[])).rows[0] as T | undefined,
    all: async <T>(sql: string, params: readonly Param[] = []) =>
      (await pool.query(toPostgresPlaceholders(sql), params as Param[])).rows as T[],
  };

  return {
    path: where.safe,
    ...pooled,
    exec: async (sql) => {
      await pool.query(sql);
    },
    transaction,
    script,
    exclusive: coordination.exclusive,
    lease: coordination.lease,
    broadcast: coordination.broadcast,
    close: async () => {
      for (let last = queue; ; last = queue) {
        await last;
        if (last === queue && !pumping) break;
      }
      await coordination.close();
      await pool.end();
    },
  };
}

export type { RunResult };
