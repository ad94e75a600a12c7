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
  const open = new Map<number, number>();
  return {
    connect(staffId) {
      open.set(staffId, (open.get(staffId) ?? 0) + 1);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        const n = (open.get(staffId) ?? 1) - 1;
        if (n <= 0) open.delete(staffId);
        else open.set(staffId, n);
      };
    },
    isConnected: (staffId) => (open.get(staffId) ?? 0) > 0,
  };
}
