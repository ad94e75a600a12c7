/**
 * Campaign (普法) messages to Telegram subscribers, for the dispatcher (campaigns/dispatcher.ts): each send is
 * journaled under its delivery row, so a restart settles what had already left instead of sending it again;
 * Telegram's answers become the dispatcher's signals (429 → hold everything for retry_after, 403 → unsubscribed).
 */
import { type Api, GrammyError } from "grammy";
import { type PushSender, RateLimited, Rejected, Unreachable } from "../../campaigns/push-sender.js";
import { chatIdOf } from "./ids.js";
import type { SendTag } from "./journal.js";
import { markupFor } from "./keyboard.js";
import type { TelegramStore } from "./store.js";

export function telegramCampaignSender(deps: {
  api: Api;
  store: TelegramStore;
  tags: WeakMap<object, SendTag>;
  rate: number;
  committed: (tag: SendTag) => void;
  now: () => Date;
}): PushSender {
  return {
    rate: deps.rate,
    // Enough in flight to keep the rate over a slow link, few enough that a kill leaves few unconfirmed.
    concurrency: Math.max(2, Math.min(64, Math.ceil(deps.rate / 5))),
    async send(d, reply) {
      const chatId = chatIdOf(d.conversationId);
      if (chatId === undefined) throw new Rejected(`not a Telegram conversation: ${d.conversationId}`);
      const { markup, stored } = markupFor(reply.buttons);
      if (stored.length > 0) await deps.store.savePayloads(stored, deps.now().toISOString());
      const payload = { chat_id: chatId, text: reply.text, ...(markup ? { reply_markup: markup } : {}) };
      deps.tags.set(payload, { kind: "campaign", deliveryId: d.id });
      try {
        return (await deps.api.raw.sendMessage(payload)).message_id;
      } catch (e) {
        if (!(e instanceof GrammyError)) throw e;
        if (e.error_code === 429) throw new RateLimited((e.parameters.retry_after ?? 1) * 1000);
        if (e.error_code === 403) throw new Unreachable(e.description);
        if (e.error_code === 400) throw new Rejected(e.description);
        throw e;
      }
    },
    committed: (d) => deps.committed({ kind: "campaign", deliveryId: d.id }),
  };
}
