/**
 * A run that starts and stops again and again: the Telegram channel, as this instance's Telegram lease comes and
 * goes (main.ts's lease loop, and its shutdown, may call either at any time). Starts and stops take turns in the
 * order called, so a start never interleaves with the teardown of the run before it; a stop cuts short a start
 * still in progress (waiting for an unreachable Telegram) through the run's signal, instead of waiting for it.
 */
export interface Restartable {
  /**
   * Begins a run, after whatever was called before has finished. Does nothing while a run is on; resolves without
   * running when a stop was called meanwhile (that stop has the last word). A begin that fails is ended at once and
   * its error thrown: the next start tries afresh.
   */
  start(): Promise<void>;
  /** Aborts the run's signal at once, then ends the run in turn. Safe to call twice, or before any start. */
  stop(timeoutMs?: number): Promise<void>;
}

export function restartable(steps: {
  /** Starts everything; `signal` aborts when the run is to stop. */
  begin(signal: AbortSignal): Promise<void>;
  /** Stops everything a begin started, even one that failed half way; must bear being called again. */
  end(timeoutMs?: number): Promise<void>;
}): Restartable {
  let order: Promise<unknown> = Promise.resolve();
  let stops = 0;
  /** The run begun and not ended yet. */
  let run: AbortController | undefined;
  const inTurn = (step: () => Promise<void>): Promise<void> => {
    const next = order.then(step);
    order = next.catch(() => undefined);
    return next;
  };

  return {
    start() {
      const stopsBefore = stops;
      return inTurn(async () => {
        if (run || stops !== stopsBefore) return;
        const current = new AbortController();
        run = current;
        try {
          await steps.begin(current.signal);
        } catch (e) {
          // Failing because it was told to stop is no failure: the stop that follows ends the run.
          if (current.signal.aborted) return;
          run = undefined;
          await steps.end().catch(() => undefined);
          throw e;
        }
      });
    },
    stop(timeoutMs) {
      stops++;
      run?.abort();
      return inTurn(async () => {
        run = undefined;
        await steps.end(timeoutMs);
      });
    },
  };
}
