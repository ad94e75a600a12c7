/**
 * Polling mode: getUpdates in a loop, each batch stored before the next call (whose offset is what confirms the
 * batch to Telegram), and no fetching while a large backlog is still being answered.
 */
import type { Api } from "grammy";
import type { Logger } from "../../core/logger.js";
import { crashPoint } from "./crash.js";
import type { Inbox } from "./inbox.js";
import { describe, sleep } from "./retry.js";
import { ALLOWED_UPDATES } from "./updates.js";

export async function pollLoop(options: {
  api: Api;
  inbox: Inbox;
  timeoutSeconds: number;
  logger: Logger;
  /** Aborted when the channel stops. */
  signal: AbortSignal;
}): Promise<void> {
  const { api: pollApi, inbox, logger, timeoutSeconds: pollTimeout, signal } = options;
  let offset: number | undefined;
  let backoff = 1000;
  while (!signal.aborted) {
    // Back-pressure: do not fetch (and so confirm) more while a large backlog is still being answered.
    await inbox.lanes.below(1000);
    if (inbox.hasBacklog()) {
      await sleep(200, signal);
      continue;
    }
    try {
      const updates = await pollApi.getUpdates(
        { offset, timeout: pollTimeout, allowed_updates: [...ALLOWED_UPDATES] },
        signal as Parameters<Api["getUpdates"]>[1],
      );
      // Telegram has dropped what the offset confirmed: from here on only the database holds those updates.
      if (offset !== undefined) crashPoint("inbox:confirmed");
      // Stored before the next getUpdates call, whose offset is what confirms them to Telegram.
      await inbox.accept(updates);
      const last = updates[updates.length - 1];
      if (last) offset = last.update_id + 1;
      backoff = 1000;
    } catch (e) {
      if (signal.aborted) break;
      logger.error({ err: describe(e) }, "telegram getUpdates failed");
      await sleep(backoff, signal);
      backoff = Math.min(60_000, backoff * 2);
    }
  }
}
