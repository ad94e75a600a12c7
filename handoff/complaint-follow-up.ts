/**
 * The citizen's side of a filed case: its status and history, messages into the case while the department is
 * talking with them (群众补充), and the 回访 answers after it closed.
 */
import { AppError } from "../core/app-error.js";
import { redactIdNumbers } from "../core/redact.js";
import type { Queryable } from "../store/sql.js";
import type { ComplaintContext } from "./complaint-context.js";
import { COMPLAINT_STATE_LABELS, type ComplaintRow, toRecord } from "./complaint-records.js";
import { canComplaint, nextComplaintState } from "./complaint-state.js";
import { complaintMessages as cm } from "./messages.js";

/** How long after a department's last reply the citizen's messages still go into the case. */
const THREAD_DAYS = 14;

/**
 * Wrong case-number-plus-phone guesses: at most 5 an hour from one person, and 10 a day against one case, so the
 * four digits cannot be walked through from many conversations either. In memory: a restart forgets, which
 * costs an attacker a restart of our server, not a way around the limit.
 */
function createTailGuesses() {
  const byPerson = new Map<string, number[]>();
  const byCase = new Map<string, number[]>();
  const recent = (m: Map<string, number[]>, key: string, since: number) =>
    (m.get(key) ?? []).filter((t) => t > since);
  return {
    allowed(citizen: string, id: string, at: number): boolean {
      return (
        recent(byPerson, citizen, at - 3_600_000).length < 5 &&
        recent(byCase, id, at - 86_400_000).length < 10
      );
    },
    failed(citizen: string, id: string, at: number): void {
      byPerson.set(citizen, [...recent(byPerson, citizen, at - 3_600_000), at]);
      byCase.set(id, [...recent(byCase, id, at - 86_400_000), at]);
    },
  };
}

export function citizenFollowUp(ctx: ComplaintContext) {
  const { db, now, dateOf, later, get, event } = ctx;
  const tailGuesses = createTailGuesses();
  return {
    /**
     * Status and history for the citizen who filed; from another device, a case number plus the last four digits
     * of the phone the citizen consented to store opens that one case. Wrong guesses are limited per person and
     * per case, so four digits cannot be walked through.
     */
    async status(citizen: string, id?: string, phoneTail?: string): Promise<string | undefined> {
      let rows = id
        ? await db.all<ComplaintRow>("SELECT * FROM complaints WHERE id = ? AND citizen = ?", [id, citizen])
        : await db.all<ComplaintRow>(
            "SELECT * FROM complaints WHERE citizen = ? ORDER BY opened_at DESC LIMIT 5",
            [citizen],
          );
      if (id && rows.length === 0 && phoneTail && /^\d{4}$/.test(phoneTail)) {
        const at = now().getTime();
        if (!tailGuesses.allowed(citizen, id, at)) return cm.statusTooManyTries;
        rows = await db.all<ComplaintRow>(
          "SELECT * FROM complaints WHERE id = ? AND phone IS NOT NULL AND substr(phone, length(phone) - 3) = ?",
          [id, phoneTail],
        );
        if (rows.length === 0) tailGuesses.failed(citizen, id, at);
      }
      if (id && rows.length === 0) return phoneTail ? cm.statusNoMatch : cm.statusNotYours;
      if (rows.length === 0) return undefined;
      const lines = [];
      for (const r of rows.map(toRecord)) {
        lines.push(
          cm.statusLine({
            id: r.id,
            state: COMPLAINT_STATE_LABELS[r.state],
            department: r.departmentName,
            handleBy: dateOf(r.handleBy),
          }),
        );
        if (id) {
          const history = await db.all<{ type: string; created_at: string }>(
            "SELECT type, created_at FROM complaint_events WHERE complaint_id = ? AND type IN ('filed', 'dispatched', 'accepted', 'replied', 'extended', 'returned', 'redispatched', 'closed', 'reopened') ORDER BY id",
            [r.id],
          );
          for (const h of history)
            lines.push(`  ${dateOf(h.created_at)} ${HISTORY_LABELS[h.type] ?? h.type}`);
        }
      }
      return lines.join("\n");
    },

    /** The citizen's 回访 answers, inside their turn. Unresolved reopens the case to the supervisors. */
    async recordFollowUp(
      tx: Queryable,
      complaintId: string,
      answer: { resolved?: boolean; rating?: number; comment?: string },
      at: string,
    ) {
      if (answer.resolved !== undefined) {
        await tx.run("UPDATE complaints SET resolved = ?, updated_at = ? WHERE id = ?", [
          answer.resolved ? 1 : 0,
          at,
          complaintId,
        ]);
        await event(
          tx,
          complaintId,
          answer.resolved ? "citizen_resolved" : "citizen_unresolved",
          "citizen",
          {},
          at,
        );
        const current = answer.resolved ? undefined : await get(tx, complaintId);
        if (current && canComplaint(current.state, "citizenUnresolved")) {
          await tx.run(
            "UPDATE complaints SET state = ?, closed_at = NULL, updated_at = ? WHERE id = ? AND state = ?",
            [nextComplaintState(current.state, "citizenUnresolved"), at, complaintId, current.state],
          );
          await event(tx, complaintId, "reopened", "citizen", {}, at);
        }
      }
      if (answer.rating !== undefined) {
        await tx.run(
          "UPDATE complaints SET rating = ?, rating_comment = ?, rated_at = ?, updated_at = ? WHERE id = ?",
          [answer.rating, answer.comment ?? null, at, at, complaintId],
        );
        await event(tx, complaintId, "rated", "citizen", { rating: answer.rating }, at);
      }
      const row = await tx.get<{ department_id: string; conversation_id: string }>(
        "SELECT department_id, conversation_id FROM complaints WHERE id = ?",
        [complaintId],
      );
      if (row)
        later(row.conversation_id, { complaintId, type: "follow_up", departmentId: row.department_id });
    },

    /**
     * The open case whose department is talking with this citizen: it replied or asked for more within the last
     * THREAD_DAYS days and has not closed. The citizen's next messages belong to it.
     */
    async openThread(citizen: string): Promise<{ id: string; departmentName: string } | undefined> {
      if (!(await ctx.talkingTo.has(citizen))) return undefined;
      const since = new Date(now().getTime() - THREAD_DAYS * 86_400_000).toISOString();
      const row = await db.get<{ id: string; department_name: string }>(
        `SELECT c.id, c.department_name FROM complaints c
         WHERE c.citizen = ? AND c.state IN ('accepted', 'awaiting_info')
           AND EXISTS (SELECT 1 FROM complaint_events e WHERE e.complaint_id = c.id
                       AND e.type IN ('replied', 'info_requested') AND e.created_at >= ?)
         ORDER BY c.updated_at DESC LIMIT 1`,
        [citizen, since],
      );
      if (!row) ctx.talkingTo.drop(citizen);
      return row ? { id: row.id, departmentName: row.department_name } : undefined;
    },

    /**
     * The citizen's message into their case (群众补充) inside their turn: the department sees it live, and a
     * case waiting for material goes back to being handled.
     */
    async addFromCitizen(tx: Queryable, complaintId: string, text: string, at: string) {
      const c = await get(tx, complaintId);
      if (!c || c.state === "closed") throw new AppError("conflict", "这件诉求已经办结");
      const what = redactIdNumbers(text).slice(0, 2000);
      await event(tx, complaintId, "citizen_added", "citizen", { what }, at);
      await tx.run("UPDATE complaints SET state = ?, updated_at = ? WHERE id = ? AND state = ?", [
        nextComplaintState(c.state, "citizenAdded"),
        at,
        complaintId,
        c.state,
      ]);
      later(c.conversationId, {
        complaintId,
        type: "citizen_added",
        departmentId: c.departmentId,
        text: what,
      });
    },
  };
}

const HISTORY_LABELS: Record<string, string> = {
  filed: "已受理",
  dispatched: "已派单",
  accepted: "承办部门已受理",
  replied: "承办部门已回复",
  extended: "已延期",
  returned: "退单",
  redispatched: "已改派",
  closed: "已办结",
  reopened: "未解决，已重新督办",
};
