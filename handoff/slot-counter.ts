/**
 * Counts open slots per key (a staff member's open consoles, a client's open streams): `take` adds one and returns
 * the function that gives it back, which does nothing after its first call.
 */
export interface SlotCounter<K> {
  take(key: K): () => void;
  count(key: K): number;
}

export function createSlotCounter<K>(): SlotCounter<K> {
  const open = new Map<K, number>();
  return {
    take(key) {
      open.set(key, (open.get(key) ?? 0) + 1);
      let given = false;
      return () => {
        if (given) return;
        given = true;
        const n = (open.get(key) ?? 1) - 1;
        if (n <= 0) open.delete(key);
        else open.set(key, n);
      };
    },
    count: (key) => open.get(key) ?? 0,
  };
}
