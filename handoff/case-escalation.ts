/**
 * Escalation: unclaimed cases whose wait ran out are re-paged, to supervisors too; the waiting citizen is
 * reassured, but only now and then.
 */
import type { CaseContext } from "./case-context.js";
import { caseConversations } from "./case-joins.js";
import { type CaseRow, caseEvent as event, toCase } from "./case-records.js";
import { caseMessages } from "./messages.js";
import { sendToCitizen } from "./outbound.js";

/** Escalations after which a waiting citizen is reassured (at most three, further apart each time). */
const REASSURE_AT: readonly number[] = [1, 3, 6];

export function caseEscalation(ctx: CaseContext) {
  const { db, now, dueAt, paging, messaging } = ctx;
  const { queuePage, reachable } = paging;
  return {
    /** Re-pages unclaimed cases whose wait ran out; deadlines live in the database, so this survives restarts. */
    async sweep(): Promise<number> {
      const at = now();
      const due = await db.all<CaseRow>(
        `SELECT * FROM cases WHERE state IN ('waiting', 'transferred') AND escalate_at IS NOT NULL AND escalate_at <= ? ORDER BY priority DESC, opened_at`,
        [at.toISOString()],
      );
      for (const row of due) {
        const c = toCase(row);
        const stillDue = await db.transaction(async (tx) => {
          const r = await tx.run(
            "UPDATE cases SET escalations = escalations + 1, escalate_at = ?, updated_at = ? WHERE id = ? AND escalate_at = ?",
            [dueAt(c.risk, at), at.toISOString(), c.id, c.escalateAt],
          );
          if (r.changes !== 1) return false;
          await event(tx, c.id, "escalated", "system", at.toISOString(), {
            payload: { escalations: c.escalations + 1 },
          });
          await queuePage(tx, c, "escalation", at, true);
          return true;
        });
        if (!stillDue) continue;
        paging.flush(c.conversationId);
        // Staff are re-paged at every escalation; the citizen hears from us at the 1st, 3rd and 6th only, each
        // time in other words: the same sentence every minute reads as a machine, not as someone attending.
        const nth = REASSURE_AT.indexOf(c.escalations + 1);
        if (nth < 0) continue;
        // Worded by who can answer now: a counselor on shift with the console closed is not "on the way".
        const someone = (await reachable(db, new Date(at))) > 0;
        const text =
          c.kind === "human"
            ? caseMessages.stillWaiting
            : (someone ? caseMessages.reassurance : caseMessages.reassuranceNobody)[nth];
        if (c.kind === "human" && nth > 0) continue;
        for (const v of await caseConversations(db, c))
          await sendToCitizen(
            messaging,
            v,
            { kind: "handoff", text: text ?? caseMessages.stillWaiting },
            "bot",
          );
      }
      return due.length;
    },
  };
}
