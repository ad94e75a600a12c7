import { createSlotCounter } from "../../handoff/slot-counter.js";

/**
 * Per-client limits for anonymous citizens, by address: how many conversations one client may start in a window,
 * and how many live streams it may hold open. In memory, bounded; a restart forgets them.
 */
export interface ClientLimits {
  /** Counts a new conversation; false when this address has started too many lately. */
  startConversation(address: string): boolean;
  /** Takes a stream slot; undefined when the address holds too many, else the function that frees it. */
  openStream(address: string): (() => void) | undefined;
}

export function createClientLimits(
  options: { conversations?: number; windowMs?: number; streams?: number } = {},
  clock: () => number = Date.now,
): ClientLimits {
  // Generous: mobile carriers put many citizens behind one address (CGNAT); a flood is hundreds a second.
  const perWindow = options.conversations ?? 30;
  const windowMs = options.windowMs ?? 60_000;
  const maxStreams = options.streams ?? 20;
  const started = new Map<string, number[]>();
  const streams = createSlotCounter<string>();
  return {
    startConversation(address) {
      const cutoff = clock() - windowMs;
      const list = (started.get(address) ?? []).filter((t) => t > cutoff);
      if (list.length >= perWindow) {
        started.set(address, list);
        return false;
      }
      list.push(clock());
      started.set(address, list);
      if (started.size > 50_000) started.delete(started.keys().next().value as string);
      return true;
    },
    openStream(address) {
      return streams.count(address) >= maxStreams ? undefined : streams.take(address);
    },
  };
}
