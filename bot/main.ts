import { createLogger } from "../core/logger.js";
import { retentionSweep } from "../handoff/privacy.js";
import { startSweeper } from "../handoff/sweeper.js";
import type { Lease } from "../store/sql.js";
import { createAssistant } from "./assistant.js";
import { runCli } from "./cli.js";
import { type Config, databaseOf, parseConfig, telegramJournalOf } from "./config.js";
import type { StaffAlerts } from "./robots/alerts.js";
import { buildServer } from "./server.js";
import type { SlackChannel } from "./slack/index.js";
import type { TelegramChannel } from "./telegram/channel.js";
import type { WechatChannel } from "./wechat/channel.js";

/**
 * The composition root: the only module that reads the environment and listens on a port. With arguments it
 * runs a CLI command (`shouwang chat`, `ask`, `classify`, `kb check`, `staff add`) on the same configuration.
 */
async function main(): Promise<void> {
  // libuv's pool (4 threads by default) serves sqlite3 and argon2 alike; a few more keep a login from queueing
  // citizens' writes behind it. Set before anything starts the pool: the first database open is below.
  process.env.UV_THREADPOOL_SIZE ??= "8";
  const config = parseConfig(process.env);
  const [command, ...args] = process.argv.slice(2);
  if (command && command !== "serve") {
    process.exitCode = await runCli(command, args, config, {
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
    });
    return;
  }
  await serve(config);
}

/**
 * Starts the work when this instance holds `lease`, stops it when the lease is lost, and starts it again when the
 * lease comes back. On SQLite the lease is always held: the work starts at once and runs until shutdown.
 * A start waits for the stop before it; a stop is asked for at once, not after a start still waiting for Telegram
 * (the work orders them itself and cuts that start short: bot/telegram/restartable.ts), so that an instance that
 * lost the lease does not go on to run beside the new holder.
 */
function whileHeld(
  lease: Lease,
  work: { start(): Promise<unknown>; stop(): Promise<unknown> },
  checkMs = 1_000,
): () => void {
  let running = false;
  let busy: Promise<unknown> = Promise.resolve();
  const check = () => {
    const held = lease.held();
    if (held === running) return;
    running = held;
    busy = (held ? busy.then(() => work.start()) : Promise.all([busy, work.stop()])).catch(() => undefined);
  };
  check();
  const timer = setInterval(check, checkMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Where staff open the console, for links in alerts. */
const consoleUrl = (config: Config): string =>
  config.SHOUWANG_CONSOLE_URL ??
  `http://${config.HOST === "0.0.0.0" ? "localhost" : config.HOST}:${config.PORT}/console`;

async function serve(config: Config): Promise<void> {
  const started = performance.now();
  const logger = createLogger({ level: config.LOG_LEVEL });
  const assistant = await createAssistant({
    dbPath: databaseOf(config),
    knowledgeDir: config.SHOUWANG_KNOWLEDGE_DIR,
    logger,
    caseJoinWindowMs: config.SHOUWANG_CASE_JOIN_MINUTES * 60_000,
  });
  let slack: SlackChannel | undefined;
  if (config.SLACK_BOT_TOKEN) {
    if (!config.SLACK_COUNSELOR_CHANNEL)
      throw new Error("SLACK_COUNSELOR_CHANNEL is required with SLACK_BOT_TOKEN");
    // Loaded only when configured: Bolt costs start-up time and memory nobody else needs.
    const { createSlackChannel, parseDepartmentChannels } = await import("./slack/index.js");
    slack = createSlackChannel(assistant, {
      token: config.SLACK_BOT_TOKEN,
      signingSecret: config.SLACK_SIGNING_SECRET,
      appToken: config.SLACK_APP_TOKEN,
      mode: config.SLACK_MODE,
      apiUrl: config.SLACK_API_URL,
      counselorChannel: config.SLACK_COUNSELOR_CHANNEL,
      departmentChannels: parseDepartmentChannels(config.SLACK_DEPARTMENT_CHANNELS),
      supervisorChannel: config.SLACK_SUPERVISOR_CHANNEL,
      consoleUrl: consoleUrl(config),
    });
  }
  let telegram: TelegramChannel | undefined;
  // One instance runs the Telegram channel (polling, replays, its outbox): the holder of its lease.
  const telegramLease = config.TELEGRAM_BOT_TOKEN ? assistant.db.lease("telegram") : undefined;
  if (config.TELEGRAM_BOT_TOKEN) {
    const { createTelegramChannel } = await import("./telegram/channel.js");
    // Throws on webhook mode without a valid secret or with a non-https URL.
    telegram = createTelegramChannel(assistant, {
      token: config.TELEGRAM_BOT_TOKEN,
      apiRoot: config.TELEGRAM_API_ROOT,
      mode: config.TELEGRAM_MODE,
      webhookSecret: config.TELEGRAM_WEBHOOK_SECRET,
      webhookUrl: config.TELEGRAM_WEBHOOK_URL,
      journalPath: telegramJournalOf(config),
      runsHere: () => telegramLease?.held() ?? true,
    });
  }
  let wechat: WechatChannel | undefined;
  if (config.WECHAT_TOKEN) {
    if (!config.WECHAT_APP_ID || !config.WECHAT_APP_SECRET)
      throw new Error("WECHAT_APP_ID and WECHAT_APP_SECRET are required with WECHAT_TOKEN");
    const { createWechatChannel } = await import("./wechat/channel.js");
    wechat = createWechatChannel(assistant, {
      token: config.WECHAT_TOKEN,
      appId: config.WECHAT_APP_ID,
      appSecret: config.WECHAT_APP_SECRET,
      encodingAesKey: config.WECHAT_ENCODING_AES_KEY,
      apiRoot: config.WECHAT_API_ROOT,
    });
  }
  if (config.DINGTALK_ROBOT_WEBHOOK && !config.DINGTALK_ROBOT_SECRET)
    throw new Error(
      "DINGTALK_ROBOT_SECRET (the robot's 加签 secret) is required with DINGTALK_ROBOT_WEBHOOK",
    );
  let alerts: StaffAlerts | undefined;
  if (config.WECOM_ROBOT_WEBHOOK || config.DINGTALK_ROBOT_WEBHOOK) {
    const { createStaffAlerts, dingtalkRobot, wecomRobot } = await import("./robots/alerts.js");
    alerts = createStaffAlerts(assistant.live, {
      robots: [
        ...(config.WECOM_ROBOT_WEBHOOK ? [wecomRobot(config.WECOM_ROBOT_WEBHOOK)] : []),
        ...(config.DINGTALK_ROBOT_WEBHOOK && config.DINGTALK_ROBOT_SECRET
          ? [dingtalkRobot(config.DINGTALK_ROBOT_WEBHOOK, config.DINGTALK_ROBOT_SECRET)]
          : []),
      ],
      consoleUrl: consoleUrl(config),
      logger: logger.child({ component: "robots" }),
    });
  }
  const app = await buildServer(assistant, {
    secureCookies: config.SECURE_COOKIES,
    trustedProxies: config.SHOUWANG_TRUSTED_PROXIES,
    plugins: [
      ...(slack ? [slack.plugin] : []),
      ...(telegram?.webhookPlugin ? [telegram.webhookPlugin] : []),
      ...(wechat ? [wechat.plugin] : []),
    ],
  });
  const sweeperLease = assistant.db.lease("sweepers");
  const stopSweeper = startSweeper(
    [
      { name: "crisis escalation", run: () => assistant.handoff.sweep() },
      { name: "complaint deadlines", run: () => assistant.complaints.sweep() },
      { name: "retention", run: retentionSweep(assistant.db, config.SHOUWANG_RETENTION_DAYS) },
      // Hourly: the day's spikes are stored, then alerted once each (console, Slack, group robots).
      { name: "spikes", run: () => assistant.spikes.sweep() },
      { name: "hot issues", run: () => assistant.hotIssues.sweep() },
    ],
    logger,
    5_000,
    // Several instances on one PostgreSQL database: one sweeps, and a survivor takes over when it dies.
    sweeperLease,
  );
  // WeChat subscribers get campaigns as notices in their conversation, within WeChat's 48-hour window.
  if (wechat) assistant.dispatcher.registerStored("wechat");
  // Approved campaigns whose time has come are sent by the running server (the CLI only writes them).
  assistant.dispatcher.start();
  const address = await app.listen({ port: config.PORT, host: config.HOST });
  // Answers an earlier process owed after telling WeChat `success` (it died before they left).
  if (wechat)
    void wechat
      .resume()
      .then((n) => n > 0 && logger.info({ n }, "wechat: owed answers sent after a restart"))
      .catch((err: unknown) => logger.error({ err }, "wechat: owed answers could not be resumed"));
  logger.info(
    {
      address,
      readyMs: Math.round(performance.now() - started),
      db: config.SHOUWANG_DATABASE_URL ? assistant.db.path : config.SHOUWANG_DB,
      entries: assistant.knowledge.length,
    },
    `守望 ready: open ${address.replace("127.0.0.1", "localhost")}/ for the web chat`,
  );
  // The statute index behind referral cards, built now rather than in the first citizen's turn.
  setTimeout(() => assistant.nlu.warm(), 50).unref();
  // Started after listening, without blocking the web chat: Slack's client retries for a long time when unreachable.
  slack
    ?.start()
    .catch((err) => logger.error({ err }, "Slack failed to start; staff can still use the console"));
  // PostgreSQL: what this instance's last process left in its own send journal is settled now, whichever instance
  // holds the Telegram lease; none but this one can read that file. (On SQLite the channel starts at once and
  // settles it itself.) Before the lease loop, so the channel's own start never finds the journal in use.
  if (telegram && config.SHOUWANG_DATABASE_URL)
    await telegram
      .recover()
      .catch((err) =>
        logger.error({ err }, "Telegram send journal not settled; the channel settles it when it starts"),
      );
  const stopTelegramLease =
    telegram && telegramLease
      ? whileHeld(telegramLease, {
          start: () =>
            telegram
              .start()
              .catch((err) => logger.error({ err }, "Telegram failed to start; the web chat is unaffected")),
          stop: () => telegram.stop(),
        })
      : undefined;
  if (!config.TELEGRAM_BOT_TOKEN) logger.info("Telegram off (set TELEGRAM_BOT_TOKEN to turn it on)");
  if (!config.SLACK_BOT_TOKEN)
    logger.info("Slack off (set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to turn it on)");
  if (!wechat)
    logger.info("WeChat off (set WECHAT_TOKEN, WECHAT_APP_ID and WECHAT_APP_SECRET to turn it on)");

  const stop = async (signal: string) => {
    logger.info({ signal }, "shutting down");
    stopSweeper();
    await sweeperLease.release();
    alerts?.stop();
    await slack?.stop();
    stopTelegramLease?.();
    await telegram?.stop();
    await telegramLease?.release();
    await wechat?.stop();
    await app.close();
    await assistant.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
