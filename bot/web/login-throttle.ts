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
 * In memory: a restart forgets it, which costs an attacker nothing they could not get by waiting.
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
  | { admitted: true; settle(outcome: Outcome): void }
  | { admitted: false; reason: "pair" | "address" | "lane" };

export interface LoginThrottle {
  /** Reserves an attempt before any hashing; waits out the account's slow lane when it has one. */
  admit(address: string, username: string): Promise<Admission>;
}

export function createLoginThrottle(
  limits: Partial<LoginLimits> = {},
  clock: () => number = Date.now,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): LoginThrottle {
  const l = { ...DEFAULT_LOGIN_LIMITS, ...limits };
  const failures = new Map<string, number[]>();
  const inFlight = new Map<string, number>();
  /** Per account: the tail of its queue of slowed attempts, and how many wait in it. */
  const lanes = new Map<string, Promise<void>>();
  const laneLength = new Map<string, number>();
  /**
   * Per account: addresses it has logged in from lately. The counselor's own address is not sent to the back of a
   * lane full of an attacker's guesses.
   */
  const known = new Map<string, Set<string>>();

  const recent = (key: string): number[] => {
    const cutoff = clock() - l.windowMs;
    const list = (failures.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length === 0) failures.delete(key);
    else failures.set(key, list);
    return list;
  };
  const load = (key: string) => recent(key).length + (inFlight.get(key) ?? 0);
  const bump = (key: string, by: number) => {
    const n = (inFlight.get(key) ?? 0) + by;
    if (n <= 0) inFlight.delete(key);
    else inFlight.set(key, n);
  };
  const fail = (key: string) => {
    const list = recent(key);
    list.push(clock());
    failures.set(key, list);
    // Bounded memory under a flood of made-up names and addresses.
    if (failures.size > 20_000) failures.delete(failures.keys().next().value as string);
  };

  return {
    async admit(address, username) {
      const user = `user:${username.toLowerCase()}`;
      const pair = `pair:${address}|${username.toLowerCase()}`;
      const addr = `ip:${address}`;
      if (load(pair) >= l.perPair) return { admitted: false, reason: "pair" };
      if (load(addr) >= l.perAddress) return { admitted: false, reason: "address" };
      const seen = `seen:${address}`;
      if (recent(seen).length >= l.attemptsPerAddress) return { admitted: false, reason: "address" };
      fail(seen);
      const over = recent(user).length - l.slowAfter;
      const slowed = over >= 0 && !known.get(user)?.has(address);
      if (slowed && (laneLength.get(user) ?? 0) >= l.laneDepth) return { admitted: false, reason: "lane" };
      const keys = [pair, addr, user];
      for (const k of keys) bump(k, 1);
      let release: (() => void) | undefined;
      if (slowed) {
        laneLength.set(user, (laneLength.get(user) ?? 0) + 1);
        // The slow lane: one attempt at a time on this account, each after a pause.
        const before = lanes.get(user) ?? Promise.resolve();
        const mine = new Promise<void>((r) => {
          release = r;
        });
        const tail = before.then(() => mine);
        lanes.set(user, tail);
        await before;
        await sleep(Math.min(l.maxPauseMs, (over + 1) * l.pauseMs));
        void tail.then(() => {
          if (lanes.get(user) === tail) lanes.delete(user);
        });
      }
      let settled = false;
      return {
        admitted: true,
        settle(outcome) {
          if (settled) return;
          settled = true;
          for (const k of keys) bump(k, -1);
          if (outcome === "ok") {
            failures.delete(pair);
            const set = known.get(user) ?? new Set<string>();
            set.add(address);
            known.set(user, set);
            if (known.size > 20_000) known.delete(known.keys().next().value as string);
          } else if (outcome === "wrong") for (const k of keys) fail(k);
          if (release) {
            const n = (laneLength.get(user) ?? 1) - 1;
            if (n <= 0) laneLength.delete(user);
            else laneLength.set(user, n);
            release();
          }
        },
      };
    },
  };
}
