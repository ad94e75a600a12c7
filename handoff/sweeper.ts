import type { Logger } from "../core/logger.js";

export interface Sweep {
  name: string;
  /** Acts on deadlines stored in the database; returns what it did, for the log. */
  run(): Promise<unknown>;
}

/**
 * Runs the deadline sweeps (crisis escalation, complaint reminders and 督办) every few seconds. Deadlines live in
 * the database, so a restart loses no timer: the first sweep after start acts on everything that fell due while
 * the process was down. A sweep still running is not started again.
 */
export function startSweeper(sweeps: readonly Sweep[], logger: Logger, everyMs = 5_000): () => void {
  const running = new Set<string>();
  const tick = () => {
    for (const sweep of sweeps) {
      if (running.has(sweep.name)) continue;
      running.add(sweep.name);
      sweep
        .run()
        .then((result) => {
          const acted =
            typeof result === "number" ? result > 0 : Object.values(result ?? {}).some((v) => Number(v) > 0);
          if (acted) logger.warn({ sweep: sweep.name, result }, "deadline sweep acted");
        })
        .catch((err) => logger.error({ err, sweep: sweep.name }, "sweep failed"))
        .finally(() => running.delete(sweep.name));
    }
  };
  tick();
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
