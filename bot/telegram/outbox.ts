import { GrammyError } from "grammy";
import type { Logger } from "../../core/logger.js";
import type { ChannelSender } from "../../handoff/outbound.js";
import type { Reply } from "../../handoff/reply.js";
import { telegramMessages } from "../messages.js";
import { chatIdOf } from "./ids.js";
import type { SendJournal, SendTag } from "./journal.js";
import type { OutboxMessage, OutboxRow, TelegramStore } from "./store.js";
import { type Outgoing, Undeliverable } from "./turns.js";

const WATERMARK = "outbox_reconciled_through";

/**
 * Messages that reach a citizen outside their own turn: a counselor's reply, a notice from the handoff module.
 * `Outbound.deliver` hands them over after they are stored as events; here each is stored once more in the
 * outbox (keyed by event id, so a second deliver of the same event sends nothing) and sent in the background,
 * with retries, so a slow or failing Telegram never holds up the console's request.
 */
export function createOutbox(deps: {
  store: TelegramStore;
  sendOne: (chatId: number, m: Outgoing, tag?: SendTag) => Promise<number | null>;
  journal: Pick<SendJournal, "committed">;
  logger: Logger;
  now: () => Date;
}) {
  const { store, sendOne, journal, logger, now } = deps;
  const inFlight = new Set<number>();
  let timer: NodeJS.Timeout | undefined;
  // Nothing leaves before the channel has started (and so holds the send journal's lock): a message enqueued
  // earlier waits in the table for the first flush, where another process running the channel may send it.
  let stopped = true;
  let flushing: Promise<void> | undefined;

  async function sendRow(row: OutboxRow): Promise<boolean> {
    if (inFlight.has(row.eventId) || stopped) return false;
    inFlight.add(row.eventId);
    const tag: SendTag = { kind: "outbox", eventId: row.eventId };
    try {
      const id = await sendOne(row.chatId, row.message, tag);
      await store.outboxSent(row.eventId, id, now().toISOString());
      journal.committed(tag);
      return true;
    } catch (e) {
      if (e instanceof Undeliverable) {
        logger.warn(
          { eventId: row.eventId, err: e.message },
          "telegram chat unreachable; staff message dropped",
        );
        await store.outboxSent(row.eventId, null, now().toISOString(), `undeliverable: ${e.message}`);
        return true;
      }
      const err = e instanceof GrammyError ? e.description : e instanceof Error ? e.message : String(e);
      logger.warn({ eventId: row.eventId, err }, "telegram outbox send failed; will retry");
      await store.outboxFailed(row.eventId, err).catch(() => undefined);
      return false;
    } finally {
      inFlight.delete(row.eventId);
    }
  }

  /** Sends everything pending, oldest first; stops at the first failure of a chat to keep its order. */
  function flush(): Promise<void> {
    flushing ??= (async () => {
      try {
        const blocked = new Set<number>();
        for (const row of await store.pendingOutbox()) {
          if (stopped) break;
          if (blocked.has(row.chatId)) continue;
          if (!(await sendRow(row))) blocked.add(row.chatId);
        }
      } finally {
        flushing = undefined;
      }
    })();
    return flushing;
  }

  const messageOf = (reply: Reply, from: "staff" | "bot"): OutboxMessage => ({
    text:
      from === "staff"
        ? `${reply.sender ? `【${reply.sender}】` : telegramMessages.staffPrefix}${reply.text}`
        : reply.text,
    ...(reply.buttons && reply.buttons.length > 0 ? { buttons: reply.buttons } : {}),
  });

  async function enqueue(eventId: number, conversationId: string, message: OutboxMessage): Promise<void> {
    const chatId = chatIdOf(conversationId);
    if (chatId === undefined) throw new Error(`not a Telegram conversation: ${conversationId}`);
    const fresh = await store.enqueueOutbox(eventId, chatId, message, now().toISOString());
    if (fresh) void sendRow({ eventId, chatId, message, attempts: 0 });
  }

  const sender: ChannelSender = async (conversationId, m) => {
    await enqueue(m.eventId, conversationId, messageOf(m, m.from));
  };

  /**
   * Replies stored for Telegram conversations that never reached the outbox (the process died between the
   * handoff's commit and `deliver`). Scans only events newer than the last scan.
   */
  async function reconcile(): Promise<number> {
    const from = Number((await store.meta(WATERMARK)) ?? "0");
    const through = await store.maxEventId();
    const missing = await store.undelivered(from);
    for (const e of missing) {
      const from = e.actor.startsWith("staff") ? "staff" : "bot";
      await enqueue(e.id, e.conversationId, messageOf(JSON.parse(e.payload) as Reply, from));
    }
    await store.setMeta(WATERMARK, String(through));
    return missing.length;
  }

  return {
    sender,
    flush,
    reconcile,
    start(intervalMs = 30_000) {
      stopped = false;
      timer = setInterval(() => void flush().catch(() => undefined), intervalMs);
      timer.unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await flushing?.catch(() => undefined);
    },
  };
}
