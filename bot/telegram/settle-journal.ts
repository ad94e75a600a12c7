import { settleCampaignSends } from "../../campaigns/delivery-recovery.js";
import type { Logger } from "../../core/logger.js";
import type { Db } from "../../store/db.js";
import type { SendJournal } from "./journal.js";
import type { TelegramStore } from "./store.js";

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
export async function settleJournal(
  journal: SendJournal,
  store: TelegramStore,
  at: string,
  logger: Logger,
  db?: Db,
): Promise<void> {
  const entries = journal.previous();
  // Campaign messages: never resent on doubt (a double 普法 message helps nobody); only `leaving` ones go again.
  const campaign = entries.flatMap((e) =>
    e.tag.kind === "campaign" && e.state !== "leaving"
      ? [{ deliveryId: e.tag.deliveryId, messageId: e.messageId ?? null, answered: e.state === "accepted" }]
      : [],
  );
  if (db && campaign.length > 0) {
    const n = await settleCampaignSends(db, campaign, at);
    if (n > 0) logger.info({ delivered: n }, "telegram: campaign sends settled from the send journal");
  }
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
