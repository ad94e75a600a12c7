/**
 * Staff reading complaints: the list (a department sees its own) and one case with its history and merged cases.
 * Every read that shows citizens' words is audited, refused looks included.
 */
import { AppError } from "../core/app-error.js";
import { recordList, recordView } from "./audit.js";
import type { ComplaintContext } from "./complaint-context.js";
import { type ComplaintRecord, type ComplaintRow, OPEN, toRecord } from "./complaint-records.js";
import type { StaffMember } from "./roster.js";

export function staffViews(ctx: ComplaintContext) {
  const { db, now, get, canSee } = ctx;
  return {
    async list(viewer: StaffMember, filter: { overdue?: boolean } = {}): Promise<ComplaintRecord[]> {
      if (viewer.role === "counselor") throw new AppError("forbidden", "你的角色无权查看诉求");
      const at = now().toISOString();
      const where = [
        viewer.role === "department" ? "department_id = ?" : "1 = 1",
        filter.overdue ? `state IN ${OPEN} AND handle_by < ?` : "1 = 1",
      ];
      const params = [
        ...(viewer.role === "department" ? [viewer.department ?? ""] : []),
        ...(filter.overdue ? [at] : []),
      ];
      const rows = await db.all<ComplaintRow>(
        `SELECT * FROM complaints WHERE ${where.join(" AND ")} ORDER BY CASE WHEN state = 'closed' THEN 1 ELSE 0 END, handle_by LIMIT 500`,
        params,
      );
      // The list shows citizens' descriptions: it is audited too. The phone number is shown only in a complaint's
      // own (audited) view.
      if (rows.length > 0) await recordList(db, viewer, "list_complaints", rows.length, at);
      return rows.map((r) => ({ ...toRecord(r), phone: null }));
    },

    /** Ids of the complaints a department still works on (no text, no viewer): for a channel catching up. */
    async workingIds(departmentIds: readonly string[]): Promise<string[]> {
      if (departmentIds.length === 0) return [];
      const rows = await db.all<{ id: string }>(
        `SELECT id FROM complaints WHERE state IN ('dispatched', 'accepted', 'awaiting_info')
           AND department_id IN (${departmentIds.map(() => "?").join(", ")}) ORDER BY opened_at`,
        [...departmentIds],
      );
      return rows.map((r) => r.id);
    },

    async view(id: string, viewer: StaffMember) {
      const c = await get(db, id);
      if (!c || !canSee(viewer, c)) {
        // A refused look at someone else's complaint is itself audited.
        if (c)
          await recordView(
            db,
            viewer,
            "view_complaint_refused",
            { caseId: c.id, conversationId: c.conversationId },
            now().toISOString(),
          );
        throw new AppError("not_found", `没有编号为 ${id} 的诉求`);
      }
      await recordView(
        db,
        viewer,
        "view_complaint",
        { caseId: c.id, conversationId: c.conversationId },
        now().toISOString(),
      );
      const events = await db.all<{ type: string; actor: string; payload: string; created_at: string }>(
        "SELECT type, actor, payload, created_at FROM complaint_events WHERE complaint_id = ? ORDER BY id",
        [id],
      );
      const group = c.groupId
        ? (
            await db.all<ComplaintRow>(
              "SELECT * FROM complaints WHERE (group_id = ? OR id = ?) AND id != ? ORDER BY opened_at",
              [c.groupId, c.groupId, id],
            )
          )
            .map(toRecord)
            // Members re-dispatched elsewhere stay out of a clerk's view; nobody sees members' phone numbers here.
            .filter((m) => canSee(viewer, m))
            .map((m) => ({ ...m, phone: null }))
        : [];
      // A department sees the contact only when the citizen chose to be called and consented.
      return {
        complaint: c,
        events: events.map((e) => ({ ...e, payload: JSON.parse(e.payload) as unknown })),
        group,
      };
    },
  };
}
