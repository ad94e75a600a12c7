import { createSlotCounter } from "./slot-counter.js";

/**
 * Which staff are reachable right now: a console page with its live stream open. A counselor on the roster whose
 * console is closed (and who has no Slack account linked) cannot answer a crisis, so the citizen must not be told
 * that one is coming. In-process, as the live streams are; counts, so two open tabs are one presence.
 */
export interface Presence {
  /** Marks `staffId` connected until the returned function is called. */
  connect(staffId: number): () => void;
  isConnected(staffId: number): boolean;
}

export function createPresence(): Presence {
  const consoles = createSlotCounter<number>();
  return {
    connect: (staffId) => consoles.take(staffId),
    isConnected: (staffId) => consoles.count(staffId) > 0,
  };
}
