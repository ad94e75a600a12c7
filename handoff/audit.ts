import type { Db } from "../store/db.js";
import type { StaffMember } from "./roster.js";

export type AuditAction =
  | "view_transcript"
  | "view_complaint"
  | "view_transcript_refused"
  | "view_complaint_refused"
  | "list_cases"
  | "list_complaints";
export type LoginAuditAction = "login_failed" | "login_refused";

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

/** A failed or refused staff login: the name tried (an account's id when it exists) and the address. */
export function recordLogin(
  db: Db,
  attempt: { username: string; staffId: number | null; address: string; times?: number },
  action: LoginAuditAction,
  at: string,
): Promise<unknown> {
  return db.run(
    "INSERT INTO audit_log (staff_id, username, action, detail, created_at) VALUES (?, ?, ?, ?, ?)",
    [
      attempt.staffId,
      attempt.username.slice(0, 64),
      action,
      `address=${attempt.address}${attempt.times && attempt.times > 1 ? `; refusals=${attempt.times}` : ""}`,
      at,
    ],
  );
}

/**
 * A list that shows citizens' words (the crisis queue's first messages, complaint descriptions) was read. An open
 * console refreshes its lists on every live event: one row per viewer and list per minute says who read them and
 * when without a row per refresh.
 */
const lastListed = new Map<string, number>();
const LIST_AUDIT_EVERY_MS = 60_000;

export function recordList(
  db: Db,
  viewer: StaffMember,
  action: "list_cases" | "list_complaints",
  shown: number,
  at: string,
): Promise<unknown> {
  const key = `${db.path}|${viewer.id}|${action}`;
  const t = Date.parse(at);
  const last = lastListed.get(key);
  if (last !== undefined && t - last < LIST_AUDIT_EVERY_MS && t >= last) return Promise.resolve();
  lastListed.set(key, t);
  if (lastListed.size > 10_000) lastListed.delete(lastListed.keys().next().value as string);
  return db.run(
    "INSERT INTO audit_log (staff_id, username, action, detail, created_at) VALUES (?, ?, ?, ?, ?)",
    [viewer.id, viewer.username, action, `shown=${shown}`, at],
  );
}

/**
 * A supervisor opened the cases behind a hot issue or a spike on the dashboard: one row naming what was opened and
 * the case numbers shown (their excerpts carry citizens' words).
 */
export function recordDrillDown(
  db: Db,
  viewer: StaffMember,
  what: string,
  ids: readonly string[],
  at: string,
): Promise<unknown> {
  return db.run(
    "INSERT INTO audit_log (staff_id, username, action, detail, created_at) VALUES (?, ?, 'view_dashboard_cases', ?, ?)",
    [viewer.id, viewer.username, `${what}; ids=${ids.join(",")}`.slice(0, 4000), at],
  );
}
