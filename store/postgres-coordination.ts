import pg from "pg";
import type { Broadcast, Lease } from "./sql.js";

/**
 * What several instances on one PostgreSQL database coordinate through, beside the write lock (postgres.ts):
 * per-key locks held across a whole piece of work (a conversation's turn), leases on once-only work that pass to
 * a survivor, and LISTEN/NOTIFY for live events. Each rests on a connection's session, which PostgreSQL ends
 * when the instance dies, releasing what it held.
 */
export function createCoordination(
  url: string,
  TYPES: { getTypeParser: typeof pg.types.getTypeParser },
  pool: pg.Pool,
  options: { lockPoolSize?: number; leaseRetryMs?: number },
) {
  // Locks held for a whole turn come from a pool of their own: a turn waiting for its conversation's lock must
  // never hold a client that the running turn's own queries need.
  const lockPool = new pg.Pool({
    connectionString: url,
    max: options.lockPoolSize ?? 20,
    types: TYPES,
    application_name: "shouwang-locks",
  });
  lockPool.on("error", () => undefined);
  const exclusive = async <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const client = await lockPool.connect();
    let broken = false;
    try {
      await client.query("SELECT pg_advisory_lock(hashtextextended($1, 0))", [key]);
      try {
        return await fn();
      } finally {
        await client.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [key]).catch(() => {
          broken = true;
        });
      }
    } finally {
      client.release(broken);
    }
  };

  /** A connection of its own, outside the pools: a lease or LISTEN lives as long as it does. */
  const dedicated = async (): Promise<pg.Client> => {
    const client = new pg.Client({
      connectionString: url,
      types: TYPES,
      keepAlive: true,
      application_name: "shouwang-lease",
    });
    await client.connect();
    return client;
  };

  const leases = new Set<Lease>();
  const lease = (name: string): Lease => {
    let client: pg.Client | undefined;
    let held = false;
    let stopped = false;
    const lost = () => {
      held = false;
      const c = client;
      client = undefined;
      c?.end().catch(() => undefined);
    };
    const attempt = async () => {
      if (stopped || held) return;
      try {
        if (!client) {
          const c = await dedicated();
          c.on("error", lost);
          c.on("end", () => {
            if (client === c) lost();
          });
          if (stopped) return void (await c.end());
          client = c;
        }
        const r = await client.query<{ ok: number }>(
          "SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok",
          [`lease:${name}`],
        );
        held = !stopped && r.rows[0]?.ok === 1;
      } catch {
        lost();
      }
    };
    void attempt();
    const timer = setInterval(() => void attempt(), options.leaseRetryMs ?? 2_000);
    timer.unref();
    const l: Lease = {
      held: () => held,
      release: async () => {
        stopped = true;
        clearInterval(timer);
        held = false;
        leases.delete(l);
        const c = client;
        client = undefined;
        await c?.end().catch(() => undefined);
      },
    };
    leases.add(l);
    return l;
  };

  // One listening connection for every channel; after losing it, a new one listens again (events in between are
  // missed, as the live hub allows: clients reload from the database).
  const channels = new Map<string, Set<(payload: string) => void>>();
  let listener: Promise<pg.Client> | undefined;
  let closed = false;
  const quote = (channel: string) => `"${channel.replaceAll('"', '""')}"`;
  const listening = (): Promise<pg.Client> => {
    listener ??= (async () => {
      const c = await dedicated();
      const retry = () => {
        listener = undefined;
        c.end().catch(() => undefined);
        if (!closed && channels.size > 0)
          setTimeout(() => void listening().catch(() => undefined), 1_000).unref();
      };
      c.on("error", retry);
      c.on("notification", (m) => {
        for (const fn of channels.get(m.channel) ?? []) fn(m.payload ?? "");
      });
      for (const ch of channels.keys()) await c.query(`LISTEN ${quote(ch)}`);
      return c;
    })();
    listener.catch(() => {
      listener = undefined;
    });
    return listener;
  };
  const broadcast: Broadcast = {
    notify: async (channel, payload) => {
      await pool.query("SELECT pg_notify($1, $2)", [channel, payload]);
    },
    listen: async (channel, onPayload) => {
      const fresh = !channels.has(channel);
      const set = channels.get(channel) ?? new Set();
      channels.set(channel, set);
      set.add(onPayload);
      const c = await listening();
      if (fresh) await c.query(`LISTEN ${quote(channel)}`);
      return async () => {
        set.delete(onPayload);
        if (set.size === 0) {
          channels.delete(channel);
          await (await listening()).query(`UNLISTEN ${quote(channel)}`).catch(() => undefined);
        }
      };
    },
  };

  return {
    exclusive,
    lease,
    broadcast,
    async close() {
      closed = true;
      for (const l of [...leases]) await l.release();
      const l = listener;
      listener = undefined;
      if (l) await (await l.catch(() => undefined))?.end().catch(() => undefined);
      await lockPool.end();
    },
  };
}
