import type { Logger } from "../core/logger.js";
import type { Lease } from "../store/sql.js";

export interface Sweep {
  name: string;
  /** Acts on deadlines stored in the database; returns what it did, for the log. */
  run(): Promise<unknown>;
}

/**
 * Runs the deadline sweeps (crisis escalation, complaint reminders and 督办) every few seconds. Deadlines live in
 * the database, so a restart loses no timer: the first sweep after start acts on everything that fell due while
 * the process was down. A sweep still running is not started again. With several instances on one PostgreSQL
 * database, only the holder of `lease` sweeps; when it dies, the lease and the sweeping pass to a survivor.
 */
export function startSweeper(
  sweeps: readonly Sweep[],
  logger: Logger,
  everyMs = 5_000,
  lease?: Pick<Lease, "held">,
): () => void {
  const running = new Set<string>();
  const tick = () => {
    if (lease && !lease.held()) return;
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
