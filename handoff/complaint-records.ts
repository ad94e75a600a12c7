/**
 * A complaint as stored: its states, the record the service hands out, the row it is read from, and the reads and
 * writes every part of the service shares (the record by id, an entry in its event log).
 */
import type { Channel } from "../store/conversations.js";
import type { Queryable } from "../store/sql.js";

/**
 * The 12345/信访 loop as one case per matter: 受理 (filed) → 派单 (dispatched) → 办理 (accepted) → 回复 → 督办 (the
 * sweeper) → 办结 (closed) → 回访/评价 (the citizen's answer and rating). A wrongly dispatched case is returned (退单)
 * and re-dispatched (改派) by a supervisor; a case may be extended once.
 */
export type ComplaintState = "dispatched" | "accepted" | "awaiting_info" | "returned" | "closed";

export const COMPLAINT_STATE_LABELS: Record<ComplaintState, string> = {
  dispatched: "已派单，等待承办部门受理",
  accepted: "承办部门办理中",
  awaiting_info: "承办部门需要你补充材料",
  returned: "退回改派中",
  closed: "已办结",
};

/** The open states, as an SQL list. */
export const OPEN = "('dispatched', 'accepted', 'awaiting_info', 'returned')";

export interface ComplaintRecord {
  id: string;
  conversationId: string;
  channel: Channel;
  citizen: string;
  category: string;
  league: string | null;
  county: string | null;
  detail: string | null;
  what: string;
  ask: string;
  contact: "chat" | "phone";
  phone: string | null;
  departmentId: string;
  departmentName: string;
  dispatchRule: string;
  state: ComplaintState;
  groupId: string | null;
  similarity: number | null;
  openedAt: string;
  acceptBy: string;
  handleBy: string;
  acceptedAt: string | null;
  extended: boolean;
  extensionReason: string | null;
  closedAt: string | null;
  result: string | null;
  returns: number;
  urgent: boolean;
  escalatedAt: string | null;
  remindedAt: string | null;
  resolved: boolean | null;
  rating: number | null;
  ratingComment: string | null;
}

/** A row of the complaints table. */
export interface ComplaintRow {
  id: string;
  conversation_id: string;
  channel: Channel;
  citizen: string;
  category: string;
  league: string | null;
  county: string | null;
  detail: string | null;
  what: string;
  ask: string;
  contact: "chat" | "phone";
  phone: string | null;
  department_id: string;
  department_name: string;
  dispatch_rule: string;
  state: ComplaintState;
  group_id: string | null;
  similarity: number | null;
  signature: string;
  opened_at: string;
  accept_by: string;
  handle_by: string;
  accepted_at: string | null;
  extended: number;
  extension_reason: string | null;
  closed_at: string | null;
  result: string | null;
  returns: number;
  urgent: number;
  escalated_at: string | null;
  reminded_at: string | null;
  resolved: number | null;
  rating: number | null;
  rating_comment: string | null;
}

export const toRecord = (r: ComplaintRow): ComplaintRecord => ({
  id: r.id,
  conversationId: r.conversation_id,
  channel: r.channel,
  citizen: r.citizen,
  category: r.category,
  league: r.league,
  county: r.county,
  detail: r.detail,
  what: r.what,
  ask: r.ask,
  contact: r.contact,
  phone: r.phone,
  departmentId: r.department_id,
  departmentName: r.department_name,
  dispatchRule: r.dispatch_rule,
  state: r.state,
  groupId: r.group_id,
  similarity: r.similarity,
  openedAt: r.opened_at,
  acceptBy: r.accept_by,
  handleBy: r.handle_by,
  acceptedAt: r.accepted_at,
  extended: r.extended === 1,
  extensionReason: r.extension_reason,
  closedAt: r.closed_at,
  result: r.result,
  returns: r.returns,
  urgent: r.urgent === 1,
  escalatedAt: r.escalated_at,
  remindedAt: r.reminded_at,
  resolved: r.resolved === null ? null : r.resolved === 1,
  rating: r.rating,
  ratingComment: r.rating_comment,
});

export async function getComplaint(q: Queryable, id: string): Promise<ComplaintRecord | undefined> {
  const row = await q.get<ComplaintRow>("SELECT * FROM complaints WHERE id = ?", [id]);
  return row ? toRecord(row) : undefined;
}

/** Appends to the complaint's event log (append-only). */
export const complaintEvent = (
  q: Queryable,
  id: string,
  type: string,
  actor: string,
  payload: unknown,
  at: string,
) =>
  q.run(
    "INSERT INTO complaint_events (complaint_id, type, actor, payload, created_at) VALUES (?, ?, ?, ?, ?)",
    [id, type, actor, JSON.stringify(payload), at],
  );
