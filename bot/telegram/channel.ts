import { autoRetry } from "@grammyjs/auto-retry";
import { type APIThrottlerOptions, apiThrottler } from "@grammyjs/transformer-throttler";
import type { FastifyInstance } from "fastify";
import { Api, Bot } from "grammy";
import type { Update, UserFromGetMe } from "grammy/types";
import { campaignMessages } from "../../handoff/messages.js";
import type { Assistant } from "../assistant.js";
import { telegramMessages } from "../messages.js";
import { telegramCampaignSender } from "./campaign-sender.js";
import { createInbox } from "./inbox.js";
import {
  JournalLocked,
  journalPathOf,
  journalTransformer,
  openSendJournal,
  type SendJournal,
  type SendTag,
} from "./journal.js";
import { createOutbox } from "./outbox.js";
import { pollLoop } from "./poll-loop.js";
import { restartable } from "./restartable.js";
import { describe, isTransient, sleep } from "./retry.js";
import { settleJournal } from "./settle-journal.js";
import { createTelegramStore, type TelegramStore } from "./store.js";
import { createTurns } from "./turns.js";
import { ALLOWED_UPDATES } from "./updates.js";
import { webhookPlugin } from "./webhook.js";
import { createWireFetch } from "./wire.js";

export interface TelegramConfig {
  /** From BotFather. */
  token: string;
  /** A Bot API server other than https://api.telegram.org (a local Bot API server, or the test fake). */
  apiRoot?: string;
  mode: "polling" | "webhook";
  /**
   * Webhook mode: Telegram sends it in X-Telegram-Bot-Api-Secret-Token with every update; anything without it
   * is refused. 1-256 characters of A-Z, a-z, 0-9, _ and -.
   */
  webhookSecret?: string;
  /** Webhook mode: the public https URL of POST /telegram/webhook; when set, `start()` registers it. */
  webhookUrl?: string;
  /**
   * The send journal's file. Default: next to the SQLite database (journalPathOf). On PostgreSQL, a file of this
   * instance's own (main.ts): the database is shared, and the journal must be written before a request leaves.
   */
  journalPath?: string;
  /**
   * Several instances on one PostgreSQL database: false on those that do not hold the Telegram lease (main.ts).
   * Their webhook answers 503, so Telegram delivers the update again, in time to the instance that runs it.
   */
  runsHere?: () => boolean;
  /**
   * Outbound rate limits (grammY's throttler). Default: Telegram's (30 messages/s overall, 1/s per chat, 20/min
   * per group). Only a benchmark against a fake API should turn them off.
   */
  throttle?: boolean | APIThrottlerOptions;
  /** Chats served at once; each chat's updates run one after another. Default 64. */
  maxConcurrentChats?: number;
  /**
   * Updates held in memory waiting for their turn. Beyond it, updates are only stored, and read back from the
   * database oldest first as the backlog shrinks (also how a large backlog is finished after a restart).
   * Default 10,000.
   */
  maxQueued?: number;
  /** Long-poll wait in seconds (polling mode). Default 25. */
  pollTimeoutSeconds?: number;
  /**
   * Connections to the Bot API at once, for replies and other calls (getUpdates has its own). Default: no
   * limit, like grammY's; the throttler and `maxConcurrentChats` bound them anyway.
   */
  maxConnections?: number;
  /**
   * Campaign (普法) messages per second, all campaigns together. Default 25: under Telegram's 30/s, so that
   * citizens' own replies keep a share while a campaign runs.
   */
  campaignRate?: number;
  /** Skips getMe at start (tests). */
  botInfo?: UserFromGetMe;
  /** Attempts for an update that fails for a reason other than Telegram being unreachable. Default 5. */
  maxAttempts?: number;
  /** Longest pause between retries of a failing update, in ms. Default 60 s. */
  maxBackoffMs?: number;
  /** Processed updates are kept this long for deduplication, then pruned. Default 7 days. */
  keepProcessedMs?: number;
  now?: () => Date;
}

export interface TelegramChannel {
  bot: Bot;
  store: TelegramStore;
  /** Webhook mode only: a fastify plugin for POST /telegram/webhook; pass it to `buildServer`. */
  webhookPlugin?: (app: FastifyInstance) => Promise<void>;
  /**
   * Takes the send journal's lock, registers commands, sets or deletes the webhook, finishes updates stored
   * before a restart, sends pending staff messages, then starts polling (polling mode). Waits while Telegram
   * is unreachable; rejects on a refused token, and while another live process runs the channel on the same
   * database (the webhook then answers 503, so Telegram keeps its updates). Runs again after `stop()` (the
   * Telegram lease came back, main.ts): each start settles the journal and finishes what waited. A `stop()`
   * called meanwhile cuts it short: it then resolves without running. Does nothing while running; after a failure,
   * nothing of it stays running, and it may be called again.
   */
  start(): Promise<void>;
  /**
   * Settles what this instance's previous process left in its send journal, without running the channel, then lets
   * the journal go. For an instance that restarts while another holds the Telegram lease (PostgreSQL): nobody else
   * can read its journal, and the sooner it is settled, the fewer of its replies the lease holder sends again.
   * Throws JournalLocked while another live process holds the journal.
   */
  recover(): Promise<void>;
  /**
   * Stops polling and timers; waits up to `timeoutMs` for updates being processed. Unfinished ones stay stored,
   * for the next start. Safe to call twice, or before any start; runs after a start in progress, which it cuts short.
   */
  stop(timeoutMs?: number): Promise<void>;
  /** Stores updates (as the webhook and the poller do) and queues them; resolves once stored. */
  accept(updates: readonly Update[]): Promise<number>;
  /** Resolves when no update is queued or being processed. */
  idle(): Promise<void>;
}

const SECRET_PATTERN = /^[A-Za-z0-9_-]{1,256}$/;

/**
 * Telegram's limits (about 30 messages/s overall, 1/s per chat, 20/min per group), with the overall one spread
 * evenly, one message every 34 ms, rather than grammY's default of 30 at once at the top of each second: the
 * same rate, fewer sends in flight at any moment, and so fewer replies a crash could leave unconfirmed.
 */
export const TELEGRAM_LIMITS: APIThrottlerOptions = {
  global: { minTime: 34 },
  group: {
    maxConcurrent: 1,
    minTime: 1000,
    reservoir: 20,
    reservoirRefreshAmount: 20,
    reservoirRefreshInterval: 60_000,
  },
  out: { maxConcurrent: 1, minTime: 1000 },
};

/**
 * The Telegram channel on the shared engine. Every update is stored (telegram_updates, keyed by update_id)
 * before Telegram is told it arrived, then processed per chat in order: text, button presses and captions go
 * through `engine.handleMessage` (so crisis detection runs on all of them); photos, voice, stickers and edits
 * get a polite reply and are noted in the conversation. An update is marked processed once its replies are
 * sent, each send being recorded, so a redelivery is never answered twice; what a crash leaves unrecorded is
 * settled from the send journal on restart (see `settleJournal`).
 */
export function createTelegramChannel(assistant: Assistant, config: TelegramConfig): TelegramChannel {
  if (!config.token) throw new Error("Telegram: a bot token is required");
  if (config.mode === "webhook") {
    if (!config.webhookSecret || !SECRET_PATTERN.test(config.webhookSecret)) {
      throw new Error(
        "Telegram webhook mode needs TELEGRAM_WEBHOOK_SECRET: 1-256 characters of A-Z, a-z, 0-9, _ and -",
      );
    }
    if (config.webhookUrl && !config.webhookUrl.startsWith("https://")) {
      throw new Error("Telegram only delivers webhooks to an https:// URL");
    }
  }
  const logger = assistant.logger.child({ channel: "telegram" });
  const now = config.now ?? (() => new Date());
  const store = createTelegramStore(assistant.db, assistant.conversations);
  const wire = createWireFetch({ maxSockets: config.maxConnections });
  const client = {
    apiRoot: config.apiRoot,
    timeoutSeconds: 30,
    // Our own fetch, so the journal learns when a request has really left (see wire.ts).
    fetch: wire.fetch as unknown as NonNullable<
      NonNullable<ConstructorParameters<typeof Bot>[1]>["client"]
    >["fetch"],
  };
  const bot = new Bot(config.token, { client, botInfo: config.botInfo });
  /** Opened by `start()`, which takes its lock first: until then nothing is sent that it would need to know. */
  let journal: SendJournal | undefined;
  /** Set when another process holds the journal's lock: this one must neither send nor take updates. */
  let locked = false;
  /** Which logical message each sendMessage payload carries, for the journal; entries go with their payload. */
  const tags = new WeakMap<object, SendTag>();
  // Innermost of all: it journals a send only once nothing (throttler, retry delay) stands between it and HTTP.
  bot.api.config.use(journalTransformer(() => journal, tags, wire));
  // Campaign messages have their own client: a 429 must reach the dispatcher, which holds every campaign send for
  // retry_after, rather than be retried alone by auto-retry while the others carry on into more 429s. It shares the
  // journal and the throttler (one per-chat and overall budget with replies).
  const campaignApi = new Api(config.token, client);
  campaignApi.config.use(journalTransformer(() => journal, tags, wire));
  // Installed before auto-retry, so inside it: every retry of auto-retry waits its turn in the throttler again.
  if (config.throttle !== false) {
    const throttler = apiThrottler(typeof config.throttle === "object" ? config.throttle : TELEGRAM_LIMITS);
    bot.api.config.use(throttler);
    campaignApi.config.use(throttler);
  }
  // 429s are retried after retry_after (up to 2 minutes); an unreachable Telegram is left to our own retry
  // loop (inbox.ts), which keeps the update stored and backs off without holding a connection.
  bot.api.config.use(autoRetry({ maxDelaySeconds: 120, maxRetryAttempts: 5, rethrowHttpErrors: true }));
  const pollTimeout = config.pollTimeoutSeconds ?? 25;
  // getUpdates has no chat and must not wait in the throttler's queue behind replies: a separate client.
  const pollApi = new Api(config.token, { apiRoot: config.apiRoot, timeoutSeconds: pollTimeout + 15 });

  const finished = new Set<number>();
  const turns = createTurns({
    engine: assistant.engine,
    logger,
    store,
    now,
    finished,
    onBlocked: async (conversationId) => {
      await assistant.subscriptions.unsubscribe({
        conversationId,
        wording: campaignMessages.blockedRecord,
        at: now().toISOString(),
        action: "blocked",
      });
    },
    journal: { committed: (tag) => journal?.committed(tag) },
    send: (chatId, text, markup, tag) => {
      const payload = { chat_id: chatId, text, ...(markup ? { reply_markup: markup } : {}) };
      if (tag) tags.set(payload, tag);
      // raw, not sendMessage(): this very object must reach the transformer to be recognised.
      return bot.api.raw.sendMessage(payload);
    },
  });
  bot.use(turns.composer);

  const campaigns = telegramCampaignSender({
    api: campaignApi,
    store,
    tags,
    rate: config.campaignRate ?? 25,
    committed: (tag) => journal?.committed(tag),
    now,
  });
  assistant.dispatcher.expect("telegram");

  const outbox = createOutbox({
    store,
    sendOne: turns.sendOne,
    journal: { committed: (tag) => journal?.committed(tag) },
    logger,
    now,
  });
  assistant.outbound.register("telegram", outbox.sender);

  const inbox = createInbox({
    bot,
    store,
    logger,
    now,
    finished,
    maxConcurrentChats: config.maxConcurrentChats,
    maxQueued: config.maxQueued,
    maxAttempts: config.maxAttempts,
    maxBackoffMs: config.maxBackoffMs,
  });

  let polling: Promise<void> | undefined;
  let pruneTimer: NodeJS.Timeout | undefined;
  let refillTimer: NodeJS.Timeout | undefined;
  const keep = config.keepProcessedMs ?? 7 * 24 * 3600 * 1000;
  const prune = () =>
    store
      .prune(new Date(now().getTime() - keep).toISOString())
      .catch((err: unknown) => logger.warn({ err: describe(err) }, "telegram prune failed"));

  /**
   * Runs a setup call until it succeeds: an unreachable Telegram is waited for (the web chat keeps working
   * meanwhile), a refused token or request is not (it is a configuration error).
   */
  async function persist<T>(what: string, signal: AbortSignal, call: () => Promise<T>): Promise<T> {
    for (let wait = 1000; ; wait = Math.min(60_000, wait * 2)) {
      try {
        return await call();
      } catch (e) {
        if (!isTransient(e)) throw new Error(`Telegram ${what} failed: ${describe(e)}`, { cause: e });
        logger.warn({ err: describe(e) }, `telegram ${what} failed; retrying`);
        if (!(await sleep(wait, signal))) throw new Error("Telegram channel stopped while starting");
      }
    }
  }

  const journalPath = config.journalPath ?? journalPathOf(assistant.db.path);
  const openJournal = () =>
    openSendJournal(journalPath, (err) =>
      logger.error({ err: describe(err) }, "telegram send journal not written"),
    );

  async function recover(): Promise<void> {
    const previous = openJournal();
    try {
      await settleJournal(previous, store, now().toISOString(), logger, assistant.db);
    } finally {
      // Closed with what it still holds (everything, if settling failed), for the next start to settle.
      previous.close();
    }
  }

  /** One run of the channel, from taking the journal to polling; `signal` aborts when it is to stop. */
  async function begin(signal: AbortSignal): Promise<void> {
    try {
      journal = openJournal();
      locked = false;
    } catch (e) {
      if (e instanceof JournalLocked) locked = true;
      throw e;
    }
    if (!config.botInfo) await persist("getMe", signal, () => bot.init());
    const c = telegramMessages.commands;
    await bot.api
      .setMyCommands([
        { command: "start", description: c.start },
        { command: "help", description: c.help },
        { command: "human", description: c.human },
        { command: "status", description: c.status },
        { command: "subscribe", description: c.subscribe },
        { command: "unsubscribe", description: c.unsubscribe },
      ])
      .catch((err: unknown) => logger.warn({ err: describe(err) }, "setMyCommands failed"));
    if (config.mode === "polling") {
      // getUpdates is refused while a webhook is set; pending updates are kept (drop_pending_updates false).
      await persist("deleteWebhook", signal, () => bot.api.deleteWebhook({ drop_pending_updates: false }));
    } else if (config.webhookUrl) {
      const url = config.webhookUrl;
      await persist("setWebhook", signal, () =>
        bot.api.setWebhook(url, {
          secret_token: config.webhookSecret,
          allowed_updates: [...ALLOWED_UPDATES],
          drop_pending_updates: false,
        }),
      );
    }
    await settleJournal(journal, store, now().toISOString(), logger, assistant.db);
    // Campaign sends begin only now that the last process's are settled: none is sent twice.
    assistant.dispatcher.register("telegram", campaigns);
    // Updates stored before a crash, a restart or a stop first, in update_id order, then new ones.
    const waiting = await inbox.start(signal);
    if (waiting > 0) logger.info({ count: waiting }, "telegram: finishing stored updates");
    refillTimer = setInterval(() => void inbox.refill(), 500);
    refillTimer.unref();
    outbox.start();
    const reconciled = await outbox.reconcile();
    if (reconciled > 0) logger.info({ count: reconciled }, "telegram: staff messages recovered");
    void outbox.flush().catch(() => undefined);
    void prune();
    pruneTimer = setInterval(() => void prune(), 3600_000);
    pruneTimer.unref();
    if (config.mode === "polling")
      polling = pollLoop({
        api: pollApi,
        inbox,
        timeoutSeconds: pollTimeout,
        logger,
        signal,
      });
    logger.info({ mode: config.mode, bot: bot.botInfo.username }, "telegram channel started");
  }

  async function end(timeoutMs = 10_000): Promise<void> {
    if (pruneTimer) clearInterval(pruneTimer);
    if (refillTimer) clearInterval(refillTimer);
    // Together: stopping the lanes also releases a poll loop waiting for the backlog to shrink.
    await Promise.all([
      polling?.catch(() => undefined),
      outbox.stop(),
      inbox.stop(timeoutMs),
      assistant.dispatcher.unregister("telegram"),
    ]);
    polling = undefined;
    journal?.close();
    // The next start opens it again and settles first what this run left unconfirmed. (A reply of an update that
    // outlives the wait above goes unjournaled meanwhile, as it did after close().)
    journal = undefined;
  }

  const { start, stop } = restartable({ begin, end });

  return {
    bot,
    store,
    webhookPlugin:
      config.mode === "webhook"
        ? webhookPlugin({
            secret: config.webhookSecret ?? "",
            locked: () => locked || config.runsHere?.() === false,
            accept: inbox.accept,
          })
        : undefined,
    start,
    recover,
    stop,
    accept: inbox.accept,
    idle: () => inbox.lanes.idle(),
  };
}
