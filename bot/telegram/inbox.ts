/**
 * The channel's inbox: every update is stored before Telegram is told it arrived, then run per chat in order
 * (lanes.ts). An update that fails is retried with backoff while Telegram is unreachable, and given up after a
 * few attempts for any other reason. Beyond `maxQueued` updates wait only in the database and are read back
 * oldest first as the backlog shrinks (also how a backlog is finished after a restart, and after the channel
 * stopped and started again when the Telegram lease left this instance and came back).
 */
import { type Bot, BotError } from "grammy";
import type { Update } from "grammy/types";
import type { Logger } from "../../core/logger.js";
import { messages } from "../messages.js";
import { createLanes, type Lanes } from "./lanes.js";
import { describe, isTransient, sleep } from "./retry.js";
import type { TelegramStore } from "./store.js";
import { chatKeyOf } from "./updates.js";

export interface InboxOptions {
  bot: Bot;
  store: TelegramStore;
  logger: Logger;
  now: () => Date;
  /** Updates whose turn marked them processed itself (in its own transaction): not marked again. */
  finished: Set<number>;
  maxConcurrentChats?: number;
  maxQueued?: number;
  maxAttempts?: number;
  maxBackoffMs?: number;
}

export type Inbox = ReturnType<typeof createInbox>;

export function createInbox(options: InboxOptions) {
  const { bot, store, logger, now, finished } = options;
  const maxAttempts = options.maxAttempts ?? 5;
  const maxBackoff = options.maxBackoffMs ?? 60_000;
  /** The current run's, from `start()`; aborted when the channel stops. None runs until the first start. */
  let signal = AbortSignal.abort();

  async function processUpdate(u: Update): Promise<void> {
    // Its own run's: an update outliving a stop must not take the next run's signal for its retries.
    const ownRun = signal;
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
        if (!(await sleep(Math.min(maxBackoff, 500 * 2 ** attempt), ownRun))) return;
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
    maxActive: options.maxConcurrentChats ?? 64,
    keyOf: chatKeyOf,
    idOf: (u) => u.update_id,
    run: processUpdate,
  });

  const maxQueued = options.maxQueued ?? 10_000;
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
        while (backlog && lanes.size() <= maxQueued / 2 && !signal.aborted) {
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

  /**
   * Runs until `run` aborts: stored updates first (those left by a stop or a crash, and any that arrived while
   * stopped), oldest first, then new ones. Resolves with how many stored updates were queued.
   */
  async function start(run: AbortSignal): Promise<number> {
    signal = run;
    backlog = true;
    await refill();
    const waiting = lanes.size();
    lanes.resume();
    return waiting;
  }

  /**
   * Stops taking work (what is queued stays stored, for the next start) and waits up to `timeoutMs` for updates
   * being processed. Abort the run's signal first, so that retries and reading back end too.
   */
  async function stop(timeoutMs: number): Promise<void> {
    // From here on, what is accepted waits in the database: the lanes take nothing until the next start.
    backlog = true;
    await Promise.all([lanes.stop(timeoutMs), refilling]);
  }

  return {
    lanes,
    accept,
    refill,
    start,
    stop,
    /** True while stored updates may exist that are not in the lanes. */
    hasBacklog: () => backlog,
  };
}
