import { createHmac } from "node:crypto";
import type { Db } from "./db.js";
import type { Param, Queryable, Statement } from "./sql.js";

/**
 * Hits counted per key over a sliding window, in the database (table rate_hits), so that every instance on one
 * database counts the same hits: the login throttle and the anonymous citizens' limits hold across instances
 * instead of multiplying by their number. On SQLite there is one instance, and the same table simply serves it.
 *
 * A hit may be held: a reservation for an attempt still being checked, which counts like a hit until it is kept
 * (it becomes an ordinary hit) or released (it disappears). An instance that dies leaves its held hits counted
 * until they expire: stricter for a few minutes, never looser.
 *
 * Keys are stored as a keyed hash (HMAC-SHA256 with a secret shared through the database): the table holds no
 * address or user name, and a copy of it without the secret says nothing about who tried what.
 */
export interface Hit {
  key: string;
  /** Milliseconds since the epoch, on the caller's clock. */
  at: number;
  /** How long the hit must be kept; it is pruned afterwards, so no window may count back further than this. */
  keepMs: number;
  /** A reservation's id: the hit is held until `settle` keeps or releases it. */
  hold?: string;
}

/** What the window holds for one key. */
export interface Tally {
  /** Every hit in the window, held ones included. */
  count: number;
  /** Hits no longer held: only time takes them away (or `clear`). */
  settled: number;
  /** When the oldest settled hit in the window was made; undefined without one. */
  firstSettledAt: number | undefined;
}

export const EMPTY_TALLY: Tally = { count: 0, settled: 0, firstSettledAt: undefined };

export interface WindowedCounters {
  /** What the window after `since` holds for each key (EMPTY_TALLY for a key without hits). A read: no lock. */
  tally(keys: readonly string[], since: number): Promise<Map<string, Tally>>;
  /**
   * Tallies `keys` after `since` and records, in the same write transaction, the hits `decide` returns for those
   * tallies (undefined: nothing). Every instance's write transactions take one lock (BEGIN IMMEDIATE; PostgreSQL's
   * write lock), so two instances can never both take the last place under a limit.
   */
  claim(
    keys: readonly string[],
    since: number,
    decide: (tallies: Map<string, Tally>) => readonly Hit[] | undefined,
  ): Promise<{ tallies: Map<string, Tally>; recorded: boolean }>;
  /** Records hits, group-committed with the other writes of the moment. */
  record(hits: readonly Hit[]): Promise<void>;
  /**
   * In one write: keeps the hits held under `hold` (`keep`), or releases them; records `hits`; and removes the
   * settled hits of the `clear` keys (a successful login clears its guesses).
   */
  settle(change: {
    hold: string;
    keep: boolean;
    hits?: readonly Hit[];
    clear?: readonly string[];
  }): Promise<void>;
}

/** Expired rows are deleted with the next write once this long has passed since the last deletion. */
const PRUNE_EVERY_MS = 60_000;

export function createWindowedCounters(db: Db, secret: Buffer): WindowedCounters {
  const hashed = new Map<string, string>();
  const hashOf = (key: string): string => {
    let h = hashed.get(key);
    if (h) return h;
    h = createHmac("sha256", secret).update(key).digest("base64url").slice(0, 32);
    // A memo for the hot keys of the moment; bounded, since keys come from clients.
    if (hashed.size >= 10_000) hashed.clear();
    hashed.set(key, h);
    return h;
  };

  let prunedAt = Number.NEGATIVE_INFINITY;
  /** The deletion of expired rows, when one is due: it rides on a write that happens anyway. */
  const pruning = (now: number): Statement[] => {
    if (now - prunedAt < PRUNE_EVERY_MS && now >= prunedAt) return [];
    prunedAt = now;
    return [{ sql: "DELETE FROM rate_hits WHERE expires <= ?", params: [now] }];
  };

  const inserts = (hits: readonly Hit[]): Statement[] =>
    hits.map((h) => ({
      sql: "INSERT INTO rate_hits (key, at, expires, hold) VALUES (?, ?, ?, ?)",
      params: [hashOf(h.key), h.at, h.at + h.keepMs, h.hold ?? null],
    }));

  async function tallyOn(q: Queryable, keys: readonly string[], since: number): Promise<Map<string, Tally>> {
    const unique = [...new Set(keys)];
    const byHash = new Map(unique.map((k) => [hashOf(k), k]));
    const rows = await q.all<{ key: string; n: number; settled: number; first: number | null }>(
      `SELECT key, COUNT(*) AS n, COUNT(*) - COUNT(hold) AS settled,
              MIN(CASE WHEN hold IS NULL THEN at END) AS first
         FROM rate_hits WHERE key IN (${unique.map(() => "?").join(", ")}) AND at > ? GROUP BY key`,
      [...byHash.keys(), since] as Param[],
    );
    const out = new Map<string, Tally>(unique.map((k) => [k, EMPTY_TALLY]));
    for (const r of rows) {
      const key = byHash.get(r.key);
      if (key !== undefined)
        out.set(key, {
          count: Number(r.n),
          settled: Number(r.settled),
          firstSettledAt: r.first === null ? undefined : Number(r.first),
        });
    }
    return out;
  }

  return {
    tally: (keys, since) => tallyOn(db, keys, since),

    claim: (keys, since, decide) =>
      db.transaction(async (tx) => {
        const tallies = await tallyOn(tx, keys, since);
        const hits = decide(tallies);
        if (!hits) return { tallies, recorded: false };
        for (const st of inserts(hits)) await tx.run(st.sql, st.params);
        return { tallies, recorded: true };
      }),

    record: (hits) =>
      hits.length === 0 ? Promise.resolve() : db.script([...inserts(hits), ...pruning(hits[0]?.at ?? 0)]),

    settle: ({ hold, keep, hits = [], clear = [] }) =>
      db.script([
        keep
          ? { sql: "UPDATE rate_hits SET hold = NULL WHERE hold = ?", params: [hold] }
          : { sql: "DELETE FROM rate_hits WHERE hold = ?", params: [hold] },
        ...(clear.length > 0
          ? [
              {
                sql: `DELETE FROM rate_hits WHERE hold IS NULL AND key IN (${clear.map(() => "?").join(", ")})`,
                params: clear.map(hashOf),
              },
            ]
          : []),
        ...inserts(hits),
        ...(hits[0] ? pruning(hits[0].at) : []),
      ]),
  };
}
