/**
 * The process bench/wechat.ts kills with SIGKILL mid-burst: the assistant with its WeChat channel on /wechat
 * against the fake WeChat API, configured from the environment (the bench's own child, not a production entry
 * point). WX_DB, WX_API_ROOT, WX_TOKEN, WX_APP_ID, WX_APP_SECRET; WX_REPLY_DEADLINE_MS (default the channel's).
 * Prints one JSON line {"ready": true, "port": n} once it takes callbacks.
 */
import { createAssistant } from "../bot/assistant.js";
import { buildServer } from "../bot/server.js";
import { createWechatChannel } from "../bot/wechat/channel.js";
import { createLogger } from "../core/logger.js";

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};

async function main() {
  const assistant = await createAssistant({ dbPath: env("WX_DB"), logger: createLogger({ level: "fatal" }) });
  const channel = createWechatChannel(assistant, {
    token: env("WX_TOKEN"),
    appId: env("WX_APP_ID"),
    appSecret: env("WX_APP_SECRET"),
    apiRoot: env("WX_API_ROOT"),
    ...(process.env.WX_REPLY_DEADLINE_MS
      ? { replyDeadlineMs: Number(process.env.WX_REPLY_DEADLINE_MS) }
      : {}),
  });
  const app = await buildServer(assistant, { plugins: [channel.plugin] });
  await app.listen({ port: 0, host: "127.0.0.1" });
  // As main.ts does: answers the killed process owed after saying `success`.
  void channel.resume();
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  // The parent asks for this process's CPU time to report CPU cost per callback, which other load on the
  // machine disturbs far less than wall-clock rates.
  process.on("message", (m) => {
    if (m === "cpu") process.send?.({ cpu: process.cpuUsage() });
  });
  process.stdout.write(`${JSON.stringify({ ready: true, port })}\n`);
  process.once("SIGTERM", () => {
    void (async () => {
      await app.close();
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
