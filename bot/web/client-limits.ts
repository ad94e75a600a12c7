import { createSlotCounter } from "../../handoff/slot-counter.js";
import { EMPTY_TALLY, type WindowedCounters } from "../../store/windowed-counters.js";

/**
 * Per-client limits for anonymous citizens, by address: how many conversations one client may start in a window,
 * and how many live streams it may hold open.
 *
 * Conversations started are counted in the database (store/windowed-counters.ts), so a client spread over several
 * instances gets one allowance, not one per instance. Open streams are counted in memory, per instance: a stream
 * lives on the instance that serves it and ends with it, so each instance's count is exact for what it holds, and
 * a shared count would keep the slots of a dead instance's streams taken.
 */
export interface ClientLimits {
  /** Counts a new conversation; false when this address has started too many lately. */
  startConversation(address: string): Promise<boolean>;
  /** Takes a stream slot; undefined when the address holds too many, else the function that frees it. */
  openStream(address: string): (() => void) | undefined;
}

export function createClientLimits(
  counters: WindowedCounters,
  options: { conversations?: number; windowMs?: number; streams?: number } = {},
  clock: () => number = Date.now,
): ClientLimits {
  // Generous: mobile carriers put many citizens behind one address (CGNAT); a flood is hundreds a second.
  const perWindow = options.conversations ?? 30;
  const windowMs = options.windowMs ?? 60_000;
  const maxStreams = options.streams ?? 20;
  /** Starts on this instance being counted and not yet written: a parallel burst cannot all read the same count. */
  const pending = new Map<string, number>();
  /**
   * Addresses found at their limit, until the oldest start counted leaves the window: a flood's refusals cost a
   * lookup here, not a query each.
   */
  const refusedUntil = new Map<string, number>();
  const streams = createSlotCounter<string>();
  const step = (key: string, by: number) => {
    const n = (pending.get(key) ?? 0) + by;
    if (n <= 0) pending.delete(key);
    else pending.set(key, n);
  };
  return {
    async startConversation(address) {
      // No limit (the benchmark, whose every request starts a conversation): nothing to count.
      if (perWindow === Number.POSITIVE_INFINITY) return true;
      const key = `conversations:${address}`;
      const now = clock();
      const until = refusedUntil.get(key);
      if (until !== undefined) {
        if (until > now) return false;
        refusedUntil.delete(key);
      }
      step(key, 1);
      try {
        const tally = (await counters.tally([key], now - windowMs)).get(key) ?? EMPTY_TALLY;
        // Approximate within a burst (a start written while this one read may be counted twice); exact one by one.
        if (tally.count + (pending.get(key) ?? 1) - 1 >= perWindow) {
          refusedUntil.set(key, (tally.firstSettledAt ?? now) + windowMs);
          if (refusedUntil.size > 50_000) refusedUntil.delete(refusedUntil.keys().next().value as string);
          return false;
        }
        await counters.record([{ key, at: now, keepMs: windowMs }]);
        return true;
      } catch {
        // A limit that cannot be counted lets the citizen through: the database trouble is the turn's to report,
        // and a limiter must never be what stops a message that may be a cry for help.
        return true;
      } finally {
        step(key, -1);
      }
    },
    openStream(address) {
      return streams.count(address) >= maxStreams ? undefined : streams.take(address);
    },
  };
}
