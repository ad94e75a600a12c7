/**
 * The process bench/telegram.ts kills with SIGKILL mid-burst: the assistant with its Telegram channel against
 * the fake Bot API, configured from the environment (the bench's own child, not a production entry point).
 *   TG_DB, TG_API_ROOT, TG_TOKEN, TG_MODE=polling|webhook, TG_SECRET (webhook), TG_THROTTLE=telegram|off
 * Prints one JSON line {"ready": true, "port": n} once it takes updates. With SHOUWANG_TELEGRAM_CRASH_AT=point[@n]
 * it kills itself with SIGKILL at that crash point (bot/telegram/crash.ts; tests/telegram-crash-points.test.ts).
 */
import { createAssistant } from "../bot/assistant.js";
import { buildServer } from "../bot/server.js";
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
  const mode = env("TG_MODE") === "webhook" ? "webhook" : "polling";
  const assistant = await createAssistant({ dbPath: env("TG_DB"), logger: createLogger({ level: "fatal" }) });
  const channel = createTelegramChannel(assistant, {
    token: env("TG_TOKEN"),
    apiRoot: env("TG_API_ROOT"),
    mode,
    webhookSecret: process.env.TG_SECRET,
    pollTimeoutSeconds: 1,
    // "off" measures our own pipeline (the fake API has no limits); "telegram" keeps Telegram's limits
    // (30 messages/s overall, 1/s per chat), the regime a production burst runs in.
    throttle: process.env.TG_THROTTLE === "telegram",
  });
  let port = 0;
  const app = await buildServer(assistant, { plugins: channel.webhookPlugin ? [channel.webhookPlugin] : [] });
  if (mode === "webhook") {
    await app.listen({ port: 0, host: "127.0.0.1" });
    const address = app.server.address();
    port = typeof address === "object" && address ? address.port : 0;
  }
  await channel.start();
  // The parent asks for this process's CPU time to report CPU cost per update, which other load on the
  // machine disturbs far less than wall-clock rates.
  process.on("message", (m) => {
    if (m === "cpu") process.send?.({ cpu: process.cpuUsage() });
  });
  process.stdout.write(`${JSON.stringify({ ready: true, port })}\n`);
  process.once("SIGTERM", () => {
    void (async () => {
      await channel.stop(5000);
      await app.close();
      await assistant.close();
      process.exit(0);
    })();
  });
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
