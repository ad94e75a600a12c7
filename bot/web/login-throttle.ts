import { randomUUID } from "node:crypto";
import { EMPTY_TALLY, type Tally, type WindowedCounters } from "../../store/windowed-counters.js";

/**
 * Password guessing against the staff console, bounded without handing an attacker a way to lock staff out.
 *
 * Every attempt is reserved before the password is hashed (a burst of 40 parallel guesses is mostly refused at
 * once, not all hashed and counted afterwards) and becomes a failure or is released when the hash answers:
 * - one address guessing one account: 5 in the window, then refused;
 * - one address guessing many accounts: 20 in the window, then refused;
 * - one account guessed from many addresses: never locked (that would let anyone lock a counselor out from
 *   anywhere); instead its attempts go one at a time, each after a pause that grows with the failures, so guessing
 *   stays slow while the counselor, typing the right password from their own address, still gets in.
 * The counts are kept in the database (store/windowed-counters.ts), so every instance on one database counts the
 * same guesses: spreading them over N instances gets an attacker no more than one instance would give. The slow
 * lane's queue is per instance (an attempt waits on the instance that will hash it), but its pause grows with the
 * failures every instance has counted.
 */
export interface LoginLimits {
  windowMs: number;
  perPair: number;
  perAddress: number;
  /**
   * Attempts of any outcome from one address in the window: no office needs more, and a flood of even correct
   * passwords would keep a core hashing (argon2) that citizens' messages need.
   */
  attemptsPerAddress: number;
  /** Failures on one account (all addresses) after which its attempts are slowed and serialised. */
  slowAfter: number;
  /** Pause per failure beyond `slowAfter`, capped at `maxPauseMs`. */
  pauseMs: number;
  maxPauseMs: number;
  /** Attempts that may wait in an account's slow lane; more are refused at once. */
  laneDepth: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  windowMs: 15 * 60_000,
  perPair: 5,
  perAddress: 20,
  attemptsPerAddress: 30,
  slowAfter: 10,
  pauseMs: 500,
  maxPauseMs: 5_000,
  laneDepth: 5,
};

/** How an admitted attempt ended: logged in, wrong password, or not checked at all (the server was busy). */
export type Outcome = "ok" | "wrong" | "busy";

export type Admission =
  /** `settle` never rejects: a count it fails to write stays counted as a failure until the window ends. */
  | { admitted: true; settle(outcome: Outcome): Promise<void> }
  | { admitted: false; reason: "pair" | "address" | "lane" };

export interface LoginThrottle {
  /** Reserves an attempt before any hashing; waits out the account's slow lane when it has one. */
  admit(address: string, username: string): Promise<Admission>;
}

/** How long a login from an address lets that address skip its account's slow lane. */
const KNOWN_MS = 30 * 24 * 3600_000;
/**
 * A refusal that counted attempts still being checked may lift as soon as they are released: it is remembered this
 * long only. One that counted settled failures alone stands until the oldest of them leaves the window.
 */
const RECHECK_MS = 1_000;

export function createLoginThrottle(
  counters: WindowedCounters,
  limits: Partial<LoginLimits> = {},
  clock: () => number = Date.now,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): LoginThrottle {
  const l = { ...DEFAULT_LOGIN_LIMITS, ...limits };
  /**
   * Attempts this instance has reserved and not settled, per key: a burst at one instance is refused here, without
   * a transaction each. The database has the reservations of every instance and decides.
   */
  const inFlight = new Map<string, number>();
  /**
   * Keys the database found at their limit, until that can change: a flood of refused guesses costs a lookup
   * here, not a query (or a write transaction) each, which citizens' messages would queue behind.
   */
  const refusedUntil = new Map<string, number>();
  /** Per account: the tail of its queue of slowed attempts, and how many wait in it. */
  const lanes = new Map<string, Promise<void>>();
  const laneLength = new Map<string, number>();
  /**
   * Per account: addresses it has logged in from lately (what this instance has seen or read of the shared record).
   * The counselor's own address is not sent to the back of a lane full of an attacker's guesses.
   */
  const known = new Map<string, Set<string>>();

  const bump = (keys: readonly string[], by: number) => {
    for (const key of keys) {
      const n = (inFlight.get(key) ?? 0) + by;
      if (n <= 0) inFlight.delete(key);
      else inFlight.set(key, n);
    }
  };
  const refusedHere = (key: string, now: number): boolean => {
    const until = refusedUntil.get(key);
    if (until === undefined) return false;
    if (until > now) return true;
    refusedUntil.delete(key);
    return false;
  };
  const remember = (key: string, tally: Tally, max: number, now: number) => {
    refusedUntil.set(
      key,
      tally.settled >= max && tally.firstSettledAt !== undefined
        ? tally.firstSettledAt + l.windowMs
        : now + RECHECK_MS,
    );
    // Bounded memory under a flood of made-up names and addresses.
    if (refusedUntil.size > 20_000) refusedUntil.delete(refusedUntil.keys().next().value as string);
  };
  const knownKey = (name: string, address: string) => `known:${name}|${address}`;
  const isKnown = async (name: string, address: string, now: number): Promise<boolean> => {
    if (known.get(name)?.has(address)) return true;
    const key = knownKey(name, address);
    const seenBefore = ((await counters.tally([key], now - KNOWN_MS)).get(key) ?? EMPTY_TALLY).count > 0;
    if (seenBefore) learn(name, address);
    return seenBefore;
  };
  const learn = (name: string, address: string) => {
    const set = known.get(name) ?? new Set<string>();
    set.add(address);
    known.set(name, set);
    if (known.size > 20_000) known.delete(known.keys().next().value as string);
  };

  return {
    async admit(address, username) {
      const name = username.toLowerCase();
      const user = `user:${name}`;
      const pair = `pair:${address}|${name}`;
      const addr = `ip:${address}`;
      // Every attempt of any outcome from the address, correct passwords included.
      const seen = `seen:${address}`;
      const checks = [
        { key: pair, max: l.perPair, reason: "pair" as const },
        { key: addr, max: l.perAddress, reason: "address" as const },
        { key: seen, max: l.attemptsPerAddress, reason: "address" as const },
      ];
      const now = clock();
      for (const c of checks)
        if (refusedHere(c.key, now) || (inFlight.get(c.key) ?? 0) >= c.max)
          return { admitted: false, reason: c.reason };
      // A full lane is refused before any write too; only the owner's own address skips it.
      if ((laneLength.get(name) ?? 0) >= l.laneDepth && !(await isKnown(name, address, now)))
        return { admitted: false, reason: "lane" };

      const hold = randomUUID();
      const reserved = [pair, addr];
      bump(reserved, 1);
      const release = () => {
        bump(reserved, -1);
        return counters.settle({ hold, keep: false }).catch(() => undefined);
      };
      let slowed: boolean;
      let over: number;
      try {
        let refused: (typeof checks)[number] | undefined;
        const { tallies, recorded } = await counters.claim(
          [pair, addr, seen, user],
          now - l.windowMs,
          (t) => {
            refused = checks.find((c) => (t.get(c.key) ?? EMPTY_TALLY).count >= c.max);
            if (refused) return undefined;
            return [
              { key: seen, at: now, keepMs: l.windowMs },
              { key: pair, at: now, keepMs: l.windowMs, hold },
              { key: addr, at: now, keepMs: l.windowMs, hold },
            ];
          },
        );
        if (!recorded && refused) {
          bump(reserved, -1);
          remember(refused.key, tallies.get(refused.key) ?? EMPTY_TALLY, refused.max, now);
          return { admitted: false, reason: refused.reason };
        }
        over = (tallies.get(user) ?? EMPTY_TALLY).count - l.slowAfter;
        slowed = over >= 0 && !(await isKnown(name, address, now));
      } catch (e) {
        await release();
        throw e;
      }
      if (slowed && (laneLength.get(name) ?? 0) >= l.laneDepth) {
        await release();
        return { admitted: false, reason: "lane" };
      }
      let leave: (() => void) | undefined;
      if (slowed) {
        laneLength.set(name, (laneLength.get(name) ?? 0) + 1);
        // The slow lane: one attempt at a time on this account, each after a pause.
        const before = lanes.get(name) ?? Promise.resolve();
        const mine = new Promise<void>((r) => {
          leave = r;
        });
        const tail = before.then(() => mine);
        lanes.set(name, tail);
        await before;
        await sleep(Math.min(l.maxPauseMs, (over + 1) * l.pauseMs));
        void tail.then(() => {
          if (lanes.get(name) === tail) lanes.delete(name);
        });
      }
      let settled = false;
      return {
        admitted: true,
        async settle(outcome) {
          if (settled) return;
          settled = true;
          bump(reserved, -1);
          if (leave) {
            const n = (laneLength.get(name) ?? 1) - 1;
            if (n <= 0) laneLength.delete(name);
            else laneLength.set(name, n);
            leave();
          }
          const at = clock();
          let write: Promise<void>;
          if (outcome === "ok") {
            learn(name, address);
            refusedUntil.delete(pair);
            write = counters.settle({
              hold,
              keep: false,
              clear: [pair],
              hits: [{ key: knownKey(name, address), at, keepMs: KNOWN_MS }],
            });
          } else if (outcome === "wrong")
            write = counters.settle({ hold, keep: true, hits: [{ key: user, at, keepMs: l.windowMs }] });
          else write = counters.settle({ hold, keep: false });
          // Unwritten, the reservation stays counted as a failure until the window ends: stricter, never looser.
          await write.catch(() => undefined);
        },
      };
    },
  };
}
