/**
 * The server process bench/campaigns.ts kills with SIGKILL mid-campaign: the assistant, its campaign dispatcher
 * and the Telegram channel against the fake Bot API, configured from the environment (the bench's own child, not
 * a production entry point). CB_DB, CB_API_ROOT, CB_TOKEN, CB_RATE (campaign messages/s).
 * Prints one JSON line {"ready": true} once it sends; answers "mem" on IPC with its memory figures. With
 * SHOUWANG_TELEGRAM_CRASH_AT=point[@n] it kills itself at that crash point (tests/campaign-crash-points.test.ts).
 */
import { createAssistant } from "../bot/assistant.js";
import { createTelegramChannel } from "../bot/telegram/channel.js";
import { armCrashPoint } from "../bot/telegram/crash.js";
import { createLogger } from "../core/logger.js";

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};

async function main() {
  armCrashPoint(process.env.SHOUWANG_TELEGRAM_CRASH_AT);
  const assistant = await createAssistant({
    dbPath: env("CB_DB"),
    logger: createLogger({ level: "fatal" }),
    campaigns: { tickMs: 100, batch: 1000 },
  });
  const channel = createTelegramChannel(assistant, {
    token: env("CB_TOKEN"),
    apiRoot: env("CB_API_ROOT"),
    mode: "polling",
    pollTimeoutSeconds: 1,
    // The campaign pacer keeps to the (scaled) budget; the fake Bot API enforces the (scaled) limit and counts
    // every breach. grammY's throttler is left out: at Telegram's real limits it would cap the scaled run.
    throttle: false,
    campaignRate: Number(env("CB_RATE")),
  });
  assistant.dispatcher.start();
  await channel.start();
  process.on("message", (m) => {
    if (m !== "mem") return;
    global.gc?.();
    const u = process.memoryUsage();
    process.send?.({ mem: { rss: u.rss, heap: u.heapUsed } });
  });
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  process.once("SIGTERM", () => {
    void (async () => {
      await channel.stop(5000);
      await assistant.close();
      process.exit(0);
    })();
  });
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
