/**
 * The dispatcher's writes for one delivery: confirmations grouped into one transaction (a push channel's sends),
 * a retry later with backoff, a blocked person unsubscribed, and a notice stored in the conversation together with
 * its 'sent' mark (stored channels).
 */
import type { Logger } from "../core/logger.js";
import { campaignMessages } from "../handoff/messages.js";
import type { Outbound } from "../handoff/outbound.js";
import type { Reply } from "../handoff/reply.js";
import type { Channel, ConversationStore } from "../store/conversations.js";
import type { Db } from "../store/db.js";
import type { Delivery, PushSender } from "./push-sender.js";
import type { Subscriptions } from "./subscriptions.js";

const MAX_ATTEMPTS = 5;

export type Recorder = ReturnType<ReturnType<typeof createDeliveryWrites>["recorder"]>;

export function createDeliveryWrites(deps: {
  db: Db;
  conversations: ConversationStore;
  outbound: Outbound;
  subscriptions: Subscriptions;
  logger: Logger;
  now: () => Date;
}) {
  const { db, logger, now } = deps;
  /** Confirmations waiting to be written together: one transaction for many sends. */
  type Done = { d: Delivery; state: "sent" | "failed"; reason?: string; messageId?: number | null };
  function recorder(sender: PushSender | undefined) {
    let pending: Done[] = [];
    let writing: Promise<void> = Promise.resolve();
    const flush = (): Promise<void> => {
      const mine = pending;
      pending = [];
      if (mine.length === 0) return writing;
      writing = writing.then(async () => {
        const at = now().toISOString();
        // One script, one round trip to SQLite's thread: at a campaign's pace a statement per call would fall
        // behind the sends, and every send not yet recorded is one the journal must answer for after a crash.
        await db.script(
          mine.map((x) => ({
            sql: "UPDATE campaign_deliveries SET state = ?, reason = ?, message_id = ?, sent_at = ?, attempts = attempts + 1 WHERE id = ?",
            params: [x.state, x.reason ?? null, x.messageId ?? null, at, x.d.id],
          })),
        );
        for (const x of mine) if (x.state === "sent") sender?.committed?.(x.d);
      });
      return writing;
    };
    return {
      add(x: Done) {
        pending.push(x);
        if (pending.length >= 200)
          void flush().catch((err) => logger.error({ err }, "campaign: recording sends failed"));
      },
      flush,
    };
  }

  async function retryLater(d: Delivery, err: unknown) {
    const row = await db.get<{ attempts: number }>("SELECT attempts FROM campaign_deliveries WHERE id = ?", [
      d.id,
    ]);
    const attempts = (row?.attempts ?? 0) + 1;
    const failed = attempts >= MAX_ATTEMPTS;
    await db.run(
      "UPDATE campaign_deliveries SET attempts = ?, state = ?, reason = ?, not_before = ?, sent_at = ? WHERE id = ? AND state = 'queued'",
      [
        attempts,
        failed ? "failed" : "queued",
        failed ? "error" : null,
        new Date(now().getTime() + 2 ** attempts * 1000).toISOString(),
        failed ? now().toISOString() : null,
        d.id,
      ],
    );
    logger.warn(
      { deliveryId: d.id, err: err instanceof Error ? err.message : String(err), attempts },
      "campaign send failed",
    );
  }

  async function unreachable(d: Delivery, rec: { add(x: Done): void }, err: Error) {
    rec.add({ d, state: "failed", reason: "blocked" });
    await deps.subscriptions
      .unsubscribe({
        conversationId: d.conversationId,
        wording: campaignMessages.blockedRecord,
        at: now().toISOString(),
        action: "blocked",
      })
      .catch((e) => logger.error({ err: e }, "campaign: unsubscribing a blocked person failed"));
    logger.info({ deliveryId: d.id, err: err.message }, "campaign: recipient unreachable; unsubscribed");
  }

  /** A notice in the conversation: stored with its 'sent' mark in one transaction, then pushed live. */
  async function sendStored(d: Delivery, reply: Reply): Promise<void> {
    const conversation = { id: d.conversationId, channel: d.channel as Channel };
    try {
      await deps.outbound.check(conversation);
    } catch (err) {
      await db.run(
        "UPDATE campaign_deliveries SET state = 'failed', reason = 'unreachable', sent_at = ? WHERE id = ? AND state = 'queued'",
        [now().toISOString(), d.id],
      );
      logger.info(
        { deliveryId: d.id, err: (err as Error).message },
        "campaign: channel cannot reach this person now",
      );
      return;
    }
    const at = now().toISOString();
    const eventId = await db.transaction(async (tx) => {
      const r = await tx.run(
        "UPDATE campaign_deliveries SET state = 'sent', sent_at = ?, attempts = attempts + 1 WHERE id = ? AND state = 'queued'",
        [at, d.id],
      );
      if (r.changes === 0) return undefined;
      const id = await deps.conversations.append(
        tx,
        d.conversationId,
        [{ type: "reply", actor: "bot", payload: reply }],
        at,
      );
      await tx.run("UPDATE campaign_deliveries SET event_id = ? WHERE id = ?", [id, d.id]);
      return id;
    });
    if (eventId === undefined) return;
    await deps.outbound
      .deliver(conversation, { ...reply, eventId, from: "bot" })
      .catch((err) => logger.warn({ err, deliveryId: d.id }, "campaign notice stored; live push failed"));
  }

  return { recorder, retryLater, unreachable, sendStored };
}
