/**
 * After a crash: campaign messages a push channel's send journal shows had reached its platform (answered, or on
 * the wire unanswered) while their rows are still 'queued' are recorded as sent, not sent again. A campaign is
 * never worth a double: at most once (see bot/telegram/settle-journal.ts for the reasoning per state).
 */
import type { Db } from "../store/db.js";

export async function settleCampaignSends(
  db: Db,
  sends: readonly { deliveryId: number; messageId: number | null; answered: boolean }[],
  at: string,
): Promise<number> {
  if (sends.length === 0) return 0;
  return db.transaction(async (tx) => {
    let n = 0;
    for (const s of sends) {
      const r = await tx.run(
        `UPDATE campaign_deliveries SET state = 'sent', message_id = ?, sent_at = ?, note = ?, attempts = attempts + 1
         WHERE id = ? AND state = 'queued'`,
        [
          s.messageId,
          at,
          s.answered
            ? "recovered: the platform accepted it; the process stopped before recording that"
            : "recovered: in flight when the process stopped; taken as delivered, not resent",
          s.deliveryId,
        ],
      );
      n += r.changes;
    }
    return n;
  });
}
