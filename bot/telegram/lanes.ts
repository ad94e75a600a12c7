/**
 * Runs work items one at a time per key (a Telegram chat) and up to `maxActive` keys at once. A chat that
 * floods the bot queues behind itself only; it never takes more than one slot, so every other citizen (one of
 * whom may be in crisis) keeps being answered. Items are identified by a number (update_id): one already queued
 * or running is not taken twice.
 */
export interface Lanes<T> {
  /** False when the item is already queued or running (a redelivery racing its first delivery), or stopped. */
  submit(item: T): boolean;
  /** Starts running (items submitted before are kept in order), or runs again after `stop()`. */
  resume(): void;
  /** Items queued or running. */
  size(): number;
  /** Resolves once nothing is queued or running. */
  idle(): Promise<void>;
  /** Resolves once fewer than `n` items are queued or running (back-pressure for the polling loop). */
  below(n: number): Promise<void>;
  /**
   * Stops taking work, drops what is queued (it is stored, so a restart picks it up), waits for running items.
   * Those still running when it gives up stay known until they end: a `resume()` meanwhile does not run them twice.
   */
  stop(timeoutMs: number): Promise<void>;
}

export function createLanes<T>(options: {
  maxActive: number;
  keyOf: (item: T) => string;
  idOf: (item: T) => number;
  run: (item: T) => Promise<void>;
}): Lanes<T> {
  const waiting = new Map<string, T[]>();
  const ready: string[] = [];
  const active = new Set<string>();
  const known = new Set<number>();
  let running = 0;
  let paused = true;
  let stopped = false;
  let waiters: { below: number; resolve: () => void }[] = [];

  const settle = () => {
    if (waiters.length === 0) return;
    const size = known.size;
    const keep: typeof waiters = [];
    for (const w of waiters) {
      if (size < w.below) w.resolve();
      else keep.push(w);
    }
    waiters = keep;
  };

  const pump = () => {
    while (!paused && running < options.maxActive && ready.length > 0) {
      const key = ready.shift() as string;
      const lane = waiting.get(key);
      const item = lane?.shift();
      if (!lane || item === undefined) continue;
      if (lane.length === 0) waiting.delete(key);
      active.add(key);
      running++;
      void options
        .run(item)
        .catch(() => undefined)
        .finally(() => {
          known.delete(options.idOf(item));
          active.delete(key);
          running--;
          if (waiting.has(key) && !stopped) ready.push(key);
          pump();
          settle();
        });
    }
  };

  const wait = (below: number) =>
    new Promise<void>((resolve) => {
      if (known.size < below) return resolve();
      waiters.push({ below, resolve });
    });

  return {
    submit(item) {
      const id = options.idOf(item);
      if (stopped || known.has(id)) return false;
      known.add(id);
      const key = options.keyOf(item);
      const lane = waiting.get(key);
      if (lane) lane.push(item);
      else {
        waiting.set(key, [item]);
        if (!active.has(key)) ready.push(key);
      }
      pump();
      return true;
    },
    resume() {
      stopped = false;
      paused = false;
      pump();
    },
    size: () => known.size,
    idle: () => wait(1),
    below: (n) => wait(n),
    async stop(timeoutMs) {
      stopped = true;
      paused = true;
      for (const lane of waiting.values()) for (const item of lane) known.delete(options.idOf(item));
      waiting.clear();
      ready.length = 0;
      settle();
      if (running === 0) return;
      await Promise.race([
        new Promise<void>((resolve) => waiters.push({ below: 1, resolve })),
        new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref()),
      ]);
    },
  };
}
