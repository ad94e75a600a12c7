import type { Db } from "../store/db.js";
import type { StaffMember } from "./roster.js";

export type AuditAction = "view_transcript" | "view_complaint";

/** Who saw what, when: every staff view of a citizen's case goes through here into the append-only audit log. */
export function recordView(
  db: Db,
  viewer: StaffMember,
  action: AuditAction,
  target: { caseId: string; conversationId: string },
  at: string,
): Promise<unknown> {
  return db.run(
    "INSERT INTO audit_log (staff_id, username, action, case_id, conversation_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
    [viewer.id, viewer.username, action, target.caseId, target.conversationId, at],
  );
}
