import { timingSafeEqual } from "node:crypto";
import { autoRetry } from "@grammyjs/auto-retry";
import { type APIThrottlerOptions, apiThrottler } from "@grammyjs/transformer-throttler";
import type { FastifyInstance } from "fastify";
import { Api, Bot, BotError, GrammyError, HttpError } from "grammy";
import type { Update, UserFromGetMe } from "grammy/types";
import type { Logger } from "../../core/logger.js";
import type { Assistant } from "../assistant.js";
import { messages, telegramMessages } from "../messages.js";
import { crashPoint } from "./crash.js";
import {
  JournalLocked,
  journalPathOf,
  journalTransformer,
  openSendJournal,
  type SendJournal,
  type SendTag,
} from "./journal.js";
import { createLanes, type Lanes } from "./lanes.js";
import { createOutbox } from "./outbox.js";
import { createTelegramStore, type TelegramStore } from "./store.js";
import { createTurns } from "./turns.js";
import { createWireFetch } from "./wire.js";

export const WEBHOOK_PATH = "/telegram/webhook";
/** What the bot asks Telegram for; everything else (channel posts, inline queries) is never delivered. */
export const ALLOWED_UPDATES = ["message", "edited_message", "callback_query"] as const;

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
   * database (the webhook then answers 503, so Telegram keeps its updates). Call once.
   */
  start(): Promise<void>;
  /** Stops polling and timers; waits up to `timeoutMs` for updates being processed. Unfinished ones stay stored. */
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

export function chatKeyOf(u: Update): string {
  const chat =
    u.message?.chat.id ??
    u.edited_message?.chat.id ??
    u.callback_query?.message?.chat.id ??
    u.callback_query?.from.id;
  return chat === undefined ? `u:${u.update_id}` : `c:${chat}`;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<boolean>((resolve) => {
    if (signal.aborted) return resolve(false);
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      resolve(false);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });

/** Telegram unreachable, rate-limited beyond auto-retry's patience, or failing on its side: try again later. */
function isTransient(err: unknown): boolean {
  if (err instanceof HttpError) return true;
  if (err instanceof GrammyError) return err.error_code === 429 || err.error_code >= 500;
  return false;
}

function describe(err: unknown): string {
  if (err instanceof GrammyError) return `${err.error_code} ${err.description}`;
  if (err instanceof Error) return err.message;
  return String(err);
}

function secretMatches(expected: Buffer, given: unknown): boolean {
  if (typeof given !== "string") return false;
  const g = Buffer.from(given, "utf8");
  return g.length === expected.length && timingSafeEqual(g, expected);
}

function isUpdate(body: unknown): body is Update {
  return (
    typeof body === "object" &&
    body !== null &&
    !Array.isArray(body) &&
    Number.isSafeInteger((body as { update_id?: unknown }).update_id) &&
    (body as { update_id: number }).update_id >= 0
  );
}

/**
 * What the previous process journaled as sent but never confirmed in SQLite, for updates still open and outbox
 * rows still pending (anything else is settled already, or pruned). Per message:
 * - Telegram's answer was journaled (`accepted`): it was delivered; recorded with its message_id, not resent.
 * - Handed to the HTTP client but its request never written (`leaving`): Telegram cannot have it;
 *   left unconfirmed and sent again, like a message never journaled.
 * - On the wire without an answer (`wire`): Telegram may or may not have it and has no idempotency key, so a
 *   loss or a double is possible, and the choice is made per kind of message:
 *   - a crisis turn, or any message to a chat with an open crisis case: sent again (at least once: the
 *     hotlines and a counselor's words must arrive, even twice);
 *   - otherwise: recorded as sent, message_id unknown, with a note, and not resent (at most once: no doubled
 *     answers; lost only if the bytes the kernel held never reached Telegram, or a kill fell between the `W`
 *     mark and the write right after it).
 */
async function settleJournal(
  journal: SendJournal,
  store: TelegramStore,
  at: string,
  logger: Logger,
): Promise<void> {
  const entries = journal.previous();
  if (entries.length > 0) {
    const noteOf = (state: "wire" | "accepted") =>
      state === "accepted"
        ? "recovered: Telegram accepted it; the process stopped before recording that"
        : "recovered: in flight (request sent, no answer) when the process stopped; taken as delivered, not resent";
    const turnEntries = entries.flatMap((e) => (e.tag.kind === "turn" ? [{ ...e, tag: e.tag }] : []));
    const outboxEntries = entries.flatMap((e) => (e.tag.kind === "outbox" ? [{ ...e, tag: e.tag }] : []));
    const live = await store.openUpdates(turnEntries.map((e) => e.tag.updateId));
    const open = await store.unconfirmedSends(
      turnEntries.filter((e) => live.has(e.tag.updateId)).map((e) => e.tag),
    );
    const unsent = await store.unsentOutbox(outboxEntries.map((e) => e.tag.eventId));
    let resent = 0;
    let neverLeft = 0;
    const turns = turnEntries.flatMap((e) => {
      const update = live.get(e.tag.updateId);
      if (!update || !open.has(`${e.tag.updateId}:${e.tag.seq}`)) return [];
      if (e.state === "leaving") {
        neverLeft++;
        return [];
      }
      if (e.state === "wire" && (e.tag.resend || update.crisis)) {
        resent++;
        return [];
      }
      return [
        { updateId: e.tag.updateId, seq: e.tag.seq, messageId: e.messageId ?? null, note: noteOf(e.state) },
      ];
    });
    const outbox = outboxEntries.flatMap((e) => {
      const row = unsent.get(e.tag.eventId);
      if (!row) return [];
      if (e.state === "leaving") {
        neverLeft++;
        return [];
      }
      if (e.state === "wire" && row.crisis) {
        resent++;
        return [];
      }
      return [{ eventId: e.tag.eventId, messageId: e.messageId ?? null, note: noteOf(e.state) }];
    });
    await store.recordRecovered(turns, outbox, at);
    if (turns.length + outbox.length + resent + neverLeft > 0) {
      logger.info(
        { delivered: turns.length + outbox.length, resend: resent, neverLeft },
        "telegram: sends left unconfirmed by the last process settled from the send journal",
      );
    }
  }
  // Everything the old entries said is in SQLite now (or is to be sent again): the file can start afresh.
  journal.recovered();
}

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
  const store = createTelegramStore(assistant.db);
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
  // Installed before auto-retry, so inside it: every retry of auto-retry waits its turn in the throttler again.
  if (config.throttle !== false) {
    bot.api.config.use(apiThrottler(typeof config.throttle === "object" ? config.throttle : TELEGRAM_LIMITS));
  }
  // 429s are retried after retry_after (up to 2 minutes); an unreachable Telegram is left to our own retry
  // loop below, which keeps the update stored and backs off without holding a connection.
  bot.api.config.use(autoRetry({ maxDelaySeconds: 120, maxRetryAttempts: 5, rethrowHttpErrors: true }));
  const pollTimeout = config.pollTimeoutSeconds ?? 25;
  // getUpdates has no chat and must not wait in the throttler's queue behind replies: a separate client.
  const pollApi = new Api(config.token, { apiRoot: config.apiRoot, timeoutSeconds: pollTimeout + 15 });

  const finished = new Set<number>();
  const turns = createTurns({
    engine: assistant.engine,
    conversations: assistant.conversations,
    db: assistant.db,
    handoff: assistant.handoff.port,
    logger,
    store,
    now,
    finished,
    journal: { committed: (tag) => journal?.committed(tag) },
    send: (chatId, text, markup, tag) => {
      const payload = { chat_id: chatId, text, ...(markup ? { reply_markup: markup } : {}) };
      if (tag) tags.set(payload, tag);
      // raw, not sendMessage(): this very object must reach the transformer to be recognised.
      return bot.api.raw.sendMessage(payload);
    },
  });
  bot.use(turns.composer);

  const outbox = createOutbox({
    store,
    sendOne: turns.sendOne,
    journal: { committed: (tag) => journal?.committed(tag) },
    logger,
    now,
  });
  assistant.outbound.register("telegram", outbox.sender);

  const lifetime = new AbortController();
  const maxAttempts = config.maxAttempts ?? 5;
  const maxBackoff = config.maxBackoffMs ?? 60_000;

  async function processUpdate(u: Update): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await bot.handleUpdate(u);
        if (!finished.delete(u.update_id)) await store.markProcessed(u.update_id, now().toISOString());
        return;
      } catch (e) {
        finished.delete(u.update_id);
        const err = e instanceof BotError ? e.error : e;
        const transient = isTransient(err);
        const why = describe(err);
        logger[transient ? "warn" : "error"](
          { updateId: u.update_id, attempt, err: why },
          "telegram update failed",
        );
        await store.noteFailure(u.update_id, why).catch(() => undefined);
        if (!transient && attempt >= maxAttempts) {
          await giveUp(u, why);
          return;
        }
        // Stopping leaves the update stored and unprocessed: the next start finishes it.
        if (!(await sleep(Math.min(maxBackoff, 500 * 2 ** attempt), lifetime.signal))) return;
      }
    }
  }

  /** A bug or a broken database, not Telegram: tell the citizen once, with the emergency numbers, and move on. */
  async function giveUp(u: Update, why: string) {
    await store.markProcessed(u.update_id, now().toISOString(), `gave up: ${why}`).catch(() => undefined);
    const chat = chatKeyOf(u);
    if (!chat.startsWith("c:")) return;
    await bot.api.sendMessage(Number(chat.slice(2)), messages.error).catch(() => undefined);
  }

  const lanes: Lanes<Update> = createLanes<Update>({
    maxActive: config.maxConcurrentChats ?? 64,
    keyOf: chatKeyOf,
    idOf: (u) => u.update_id,
    run: processUpdate,
  });

  const maxQueued = config.maxQueued ?? 10_000;
  /** True while stored updates may exist that are not in the lanes: new ones then wait behind them, in order. */
  let backlog = true;
  let acceptedDuringRefill = 0;

  async function accept(updates: readonly Update[]): Promise<number> {
    const open = await store.accept(updates, now().toISOString());
    for (const u of open) {
      if (backlog || lanes.size() >= maxQueued) {
        backlog = true;
        acceptedDuringRefill++;
      } else lanes.submit(u);
    }
    return open.length;
  }

  let refilling: Promise<void> | undefined;
  /** Reads stored, unprocessed updates back into the lanes, oldest first, while there is a backlog. */
  function refill(): Promise<void> {
    refilling ??= (async () => {
      try {
        while (backlog && lanes.size() <= maxQueued / 2 && !lifetime.signal.aborted) {
          acceptedDuringRefill = 0;
          // Rows already in the lanes come back too (they are not processed yet): ask for that many more.
          const limit = lanes.size() + Math.ceil(maxQueued / 2);
          const rows = await store.unprocessed(limit);
          for (const u of rows) lanes.submit(u);
          if (rows.length < limit && acceptedDuringRefill === 0) backlog = false;
        }
      } catch (err) {
        logger.error({ err: describe(err) }, "telegram: reading stored updates failed");
      } finally {
        refilling = undefined;
      }
    })();
    return refilling;
  }

  let polling: Promise<void> | undefined;
  async function pollLoop(): Promise<void> {
    let offset: number | undefined;
    let backoff = 1000;
    while (!lifetime.signal.aborted) {
      // Back-pressure: do not fetch (and so confirm) more while a large backlog is still being answered.
      await lanes.below(1000);
      if (backlog) {
        await sleep(200, lifetime.signal);
        continue;
      }
      try {
        const updates = await pollApi.getUpdates(
          { offset, timeout: pollTimeout, allowed_updates: [...ALLOWED_UPDATES] },
          lifetime.signal as Parameters<Api["getUpdates"]>[1],
        );
        // Telegram has dropped what the offset confirmed: from here on only the database holds those updates.
        if (offset !== undefined) crashPoint("inbox:confirmed");
        // Stored before the next getUpdates call, whose offset is what confirms them to Telegram.
        await accept(updates);
        const last = updates[updates.length - 1];
        if (last) offset = last.update_id + 1;
        backoff = 1000;
      } catch (e) {
        if (lifetime.signal.aborted) break;
        logger.error({ err: describe(e) }, "telegram getUpdates failed");
        await sleep(backoff, lifetime.signal);
        backoff = Math.min(60_000, backoff * 2);
      }
    }
  }

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
  async function persist<T>(what: string, call: () => Promise<T>): Promise<T> {
    for (let wait = 1000; ; wait = Math.min(60_000, wait * 2)) {
      try {
        return await call();
      } catch (e) {
        if (!isTransient(e)) throw new Error(`Telegram ${what} failed: ${describe(e)}`, { cause: e });
        logger.warn({ err: describe(e) }, `telegram ${what} failed; retrying`);
        if (!(await sleep(wait, lifetime.signal))) throw new Error("Telegram channel stopped while starting");
      }
    }
  }

  async function start(): Promise<void> {
    try {
      journal = openSendJournal(journalPathOf(assistant.db.path), (err) =>
        logger.error({ err: describe(err) }, "telegram send journal not written"),
      );
    } catch (e) {
      if (e instanceof JournalLocked) locked = true;
      throw e;
    }
    if (!config.botInfo) await persist("getMe", () => bot.init());
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
      await persist("deleteWebhook", () => bot.api.deleteWebhook({ drop_pending_updates: false }));
    } else if (config.webhookUrl) {
      const url = config.webhookUrl;
      await persist("setWebhook", () =>
        bot.api.setWebhook(url, {
          secret_token: config.webhookSecret,
          allowed_updates: [...ALLOWED_UPDATES],
          drop_pending_updates: false,
        }),
      );
    }
    await settleJournal(journal, store, now().toISOString(), logger);
    // Updates stored before a crash or restart first, in update_id order, then new ones.
    await refill();
    if (lanes.size() > 0) logger.info({ count: lanes.size() }, "telegram: finishing stored updates");
    lanes.resume();
    refillTimer = setInterval(() => void refill(), 500);
    refillTimer.unref();
    outbox.start();
    const reconciled = await outbox.reconcile();
    if (reconciled > 0) logger.info({ count: reconciled }, "telegram: staff messages recovered");
    void outbox.flush().catch(() => undefined);
    void prune();
    pruneTimer = setInterval(() => void prune(), 3600_000);
    pruneTimer.unref();
    if (config.mode === "polling") polling = pollLoop();
    logger.info({ mode: config.mode, bot: bot.botInfo.username }, "telegram channel started");
  }

  async function stop(timeoutMs = 10_000): Promise<void> {
    lifetime.abort();
    if (pruneTimer) clearInterval(pruneTimer);
    if (refillTimer) clearInterval(refillTimer);
    // Together: stopping the lanes also releases a poll loop waiting for the backlog to shrink.
    await Promise.all([polling?.catch(() => undefined), outbox.stop(), lanes.stop(timeoutMs)]);
    journal?.close();
  }

  let webhookPlugin: TelegramChannel["webhookPlugin"];
  if (config.mode === "webhook") {
    const expected = Buffer.from(config.webhookSecret ?? "", "utf8");
    webhookPlugin = async (app: FastifyInstance) => {
      app.post(
        WEBHOOK_PATH,
        {
          bodyLimit: 1024 * 1024,
          // Checked before the body is even read: a forged request costs nothing and stores nothing.
          onRequest: async (req, reply) => {
            if (!secretMatches(expected, req.headers["x-telegram-bot-api-secret-token"])) {
              return reply
                .status(401)
                .send({ error: "unauthorized", message: "bad or missing secret token" });
            }
          },
        },
        async (req, reply) => {
          if (locked) {
            // Another process runs the channel: a 503 makes Telegram deliver the update again, perhaps to it.
            return reply
              .status(503)
              .send({ error: "unavailable", message: "Telegram channel not running here" });
          }
          if (!isUpdate(req.body)) {
            return reply.status(400).send({ error: "bad_input", message: "not a Telegram update" });
          }
          // 200 only once the update is durably stored: a crash before this makes Telegram send it again.
          await accept([req.body]);
          return reply.status(200).send();
        },
      );
    };
  }

  return {
    bot,
    store,
    webhookPlugin,
    start,
    stop,
    accept,
    idle: () => lanes.idle(),
  };
}
