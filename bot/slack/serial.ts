/**
 * Runs tasks one after another per key (a case, a channel), different keys in parallel. Everything that
 * touches one case's card and thread goes through its key, so two triggers cannot post the same thing twice.
 */
export function createKeyedSerial() {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run<T>(key: string, task: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      const next = previous.then(task, task);
      const tail = next.then(
        () => undefined,
        () => undefined,
      );
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return next;
    },
    /** Resolves once every task queued so far (and any they queued) has finished. */
    async idle(): Promise<void> {
      while (tails.size > 0) await Promise.all([...tails.values()]);
    },
  };
}

export type KeyedSerial = ReturnType<typeof createKeyedSerial>;
