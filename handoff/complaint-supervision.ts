/**
 * Supervision (督办): reminders a day before a deadline, escalation when one passes, and the figures per
 * department.
 */
import { daysBetween } from "../store/dialect.js";
import type { ComplaintContext } from "./complaint-context.js";
import { type ComplaintRow, OPEN } from "./complaint-records.js";

const REMIND_BEFORE_MS = 24 * 3600_000;

export function supervision(ctx: ComplaintContext) {
  const { db, now, notify, event } = ctx;
  return {
    /** Reminds departments a day before a deadline and escalates to supervisors when it passes (督办). */
    async sweep(): Promise<{ reminded: number; escalated: number }> {
      const at = now();
      const soon = new Date(at.getTime() + REMIND_BEFORE_MS).toISOString();
      const remind = await db.all<ComplaintRow>(
        `SELECT * FROM complaints WHERE state IN ${OPEN} AND reminded_at IS NULL AND handle_by <= ? AND handle_by > ?`,
        [soon, at.toISOString()],
      );
      // Overdue: the handling deadline passed, or a dispatched case was not accepted within its 告知 limit.
      const overdue = await db.all<ComplaintRow>(
        `SELECT * FROM complaints WHERE state IN ${OPEN} AND escalated_at IS NULL
           AND (handle_by <= ? OR (state = 'dispatched' AND accept_by <= ?))`,
        [at.toISOString(), at.toISOString()],
      );
      for (const r of remind) {
        await db.transaction(async (tx) => {
          await tx.run("UPDATE complaints SET reminded_at = ? WHERE id = ?", [at.toISOString(), r.id]);
          await event(tx, r.id, "reminded", "system", { handleBy: r.handle_by }, at.toISOString());
        });
        notify({
          complaintId: r.id,
          type: "reminder",
          departmentId: r.department_id,
        });
      }
      for (const r of overdue) {
        await db.transaction(async (tx) => {
          await tx.run("UPDATE complaints SET escalated_at = ? WHERE id = ?", [at.toISOString(), r.id]);
          await event(tx, r.id, "supervised", "system", { handleBy: r.handle_by }, at.toISOString());
        });
        notify({
          complaintId: r.id,
          type: "overdue",
          departmentId: r.department_id,
        });
      }
      return { reminded: remind.length, escalated: overdue.length };
    },

    /** Per department: cases, on-time rate, average handling days, returns and ratings. */
    async stats() {
      const rows = await db.all<{
        department_id: string;
        department_name: string;
        cases: number;
        closed: number;
        on_time: number;
        avg_days: number | null;
        returns: number;
        avg_rating: number | null;
        rated: number;
        overdue_open: number;
      }>(
        `SELECT department_id, MAX(department_name) AS department_name, COUNT(*) AS cases,
           SUM(CASE WHEN state = 'closed' THEN 1 ELSE 0 END) AS closed,
           SUM(CASE WHEN state = 'closed' AND closed_at <= handle_by THEN 1 ELSE 0 END) AS on_time,
           AVG(CASE WHEN state = 'closed' THEN ${daysBetween(db.dialect, "opened_at", "closed_at")} END) AS avg_days,
           SUM(returns) AS returns,
           AVG(rating) AS avg_rating, COUNT(rating) AS rated,
           SUM(CASE WHEN state IN ${OPEN} AND handle_by < ? THEN 1 ELSE 0 END) AS overdue_open
         FROM complaints GROUP BY department_id ORDER BY cases DESC`,
        [now().toISOString()],
      );
      return rows.map((r) => ({
        departmentId: r.department_id,
        departmentName: r.department_name,
        cases: r.cases,
        closed: r.closed,
        onTimeRate: r.closed > 0 ? r.on_time / r.closed : null,
        averageDays: r.avg_days,
        returns: r.returns,
        averageRating: r.avg_rating,
        rated: r.rated,
        overdueOpen: r.overdue_open,
      }));
    },
  };
}
