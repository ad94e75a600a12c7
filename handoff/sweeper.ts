import type { Logger } from "../bot/logger.js";
import type { HandoffService } from "./cases.js";

/**
 * Acts on escalation deadlines stored in the database. A restart loses no timer: the first sweep after start
 * finds every case whose wait ran out while the process was down.
 */
export function startSweeper(handoff: HandoffService, logger: Logger, everyMs = 5_000): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const n = await handoff.sweep();
      if (n > 0) logger.warn({ escalated: n }, "unclaimed cases escalated");
    } catch (err) {
      logger.error({ err }, "sweep failed");
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
