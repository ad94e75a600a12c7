/**
 * What every part of the complaint service shares: its dependencies, the live feeds (supervisors' and each
 * department's), notices held until the citizen's turn commits, telling the citizen, who may see or handle a
 * case, and `change`, the one guarded way a staff action moves a case.
 */
import { AppError } from "../core/app-error.js";
import type { LiveHub } from "../core/live-hub.js";
import type { Logger } from "../core/logger.js";
import type { ConversationStore } from "../store/conversations.js";
import type { Db } from "../store/db.js";
import type { Queryable } from "../store/sql.js";
import type { ComplaintCatalogue } from "./complaint-categories.js";
import { type ComplaintRecord, complaintEvent, getComplaint } from "./complaint-records.js";
import { type ComplaintAction, nextComplaintState } from "./complaint-state.js";
import { type Calendar, chinaDate } from "./deadlines.js";
import type { DispatchCatalogue } from "./dispatch.js";
import { type Outbound, sendToCitizen } from "./outbound.js";
import type { Reply } from "./reply.js";
import type { StaffMember } from "./roster.js";

/** Live topic for complaint changes, separate from the crisis queue's topic. */
export const COMPLAINT_TOPIC = "complaints";
/** A department's own feed: a clerk's console must not learn of other departments' cases. */
export const departmentTopic = (departmentId: string) => `complaints:${departmentId}`;

export interface ComplaintDeps {
  db: Db;
  conversations: ConversationStore;
  live: LiveHub;
  outbound: Outbound;
  logger: Logger;
  categories: ComplaintCatalogue;
  dispatch: DispatchCatalogue;
  calendar: Calendar;
  now?: () => Date;
}

export type ComplaintContext = ReturnType<typeof createComplaintContext>;

export function createComplaintContext(deps: ComplaintDeps) {
  const { db, conversations, live, outbound, categories, dispatch, calendar } = deps;
  const now = deps.now ?? (() => new Date());
  const dateOf = (iso: string) => chinaDate(iso).replace(/^(\d{4})-(\d{2})-(\d{2})$/, "$1年$2月$3日");

  /** Every complaint change goes to the supervisors' feed and to the responsible department's feed. */
  const notify = (data: {
    complaintId: string;
    type: string;
    departmentId?: string;
    [k: string]: unknown;
  }) => {
    live.publish(COMPLAINT_TOPIC, "complaint", data);
    if (data.departmentId) live.publish(departmentTopic(data.departmentId), "complaint", data);
  };

  type Notice = Parameters<typeof notify>[0];
  const pending = new Map<string, Notice[]>();
  const later = (conversationId: string, data: Notice) =>
    pending.set(conversationId, [...(pending.get(conversationId) ?? []), data]);

  const publish = (c: ComplaintRecord, type: string) =>
    notify({
      complaintId: c.id,
      type,
      departmentId: c.departmentId,
      state: c.state,
    });

  /** Tells the citizen on their own channel; the message is stored in the conversation first. */
  const messaging = { db, conversations, outbound, logger: deps.logger, now };
  const tell = (
    c: ComplaintRecord,
    text: string,
    actor = "bot",
    kind: Reply["kind"] = "complaint",
    buttons?: Reply["buttons"],
  ) =>
    sendToCitizen(
      messaging,
      { id: c.conversationId, channel: c.channel },
      { kind, text, ...(buttons ? { buttons } : {}) },
      actor,
    );

  const canSee = (viewer: StaffMember, c: ComplaintRecord) =>
    viewer.role === "supervisor" ||
    viewer.role === "admin" ||
    (viewer.role === "department" && viewer.department === c.departmentId);

  // Another department's complaint answers exactly like a missing one: no oracle for which numbers exist.
  const mustHandle = (viewer: StaffMember, c: ComplaintRecord) => {
    if (viewer.role !== "department" || viewer.department !== c.departmentId) {
      if (viewer.role !== "supervisor" && viewer.role !== "admin")
        throw new AppError("not_found", `没有编号为 ${c.id} 的诉求`);
    }
  };

  async function change(
    id: string,
    viewer: StaffMember,
    action: ComplaintAction,
    work: (
      tx: Queryable,
      c: ComplaintRecord,
      at: string,
    ) => Promise<Partial<Record<string, string | number | null>>>,
    type: string,
    payload: unknown,
  ): Promise<ComplaintRecord> {
    const at = now().toISOString();
    const updated = await db.transaction(async (tx) => {
      const c = await getComplaint(tx, id);
      if (!c) throw new AppError("not_found", `没有编号为 ${id} 的诉求`);
      mustHandle(viewer, c);
      const state = nextComplaintState(c.state, action);
      const patch: Partial<Record<string, string | number | null>> = { ...(await work(tx, c, at)), state };
      // A new deadline gets its own reminder and 督办.
      if ("handle_by" in patch) Object.assign(patch, { reminded_at: null, escalated_at: null });
      const keys = Object.keys(patch);
      const r = await tx.run(
        `UPDATE complaints SET updated_at = ?${keys.map((k) => `, ${k} = ?`).join("")} WHERE id = ? AND state = ?`,
        [at, ...keys.map((k) => patch[k] ?? null), id, c.state],
      );
      if (r.changes !== 1) throw new AppError("conflict", "诉求刚被其他人更新，请刷新后重试");
      await complaintEvent(tx, id, type, viewer.username, payload, at);
      const next = await getComplaint(tx, id);
      if (!next) throw new AppError("internal", "complaint vanished");
      return next;
    });
    publish(updated, type);
    return updated;
  }

  /** After the citizen's turn committed: announce what it filed or answered. */
  const afterCommit = (conversationId: string) => {
    const list = pending.get(conversationId);
    pending.delete(conversationId);
    for (const data of list ?? []) notify(data);
  };

  /**
   * Citizens a department has replied to or asked for more: only their turns look up an open thread in the
   * database, so the everyday turn pays no query. Filled from the database on first use, added to on a reply;
   * a citizen whose thread turns out closed is dropped on their next turn.
   */
  let talking: Set<string> | undefined;
  const talkingTo = {
    async has(citizen: string): Promise<boolean> {
      if (!talking) {
        const rows = await db.all<{ citizen: string }>(
          `SELECT DISTINCT c.citizen FROM complaints c
           WHERE c.state IN ('accepted', 'awaiting_info')
             AND EXISTS (SELECT 1 FROM complaint_events e WHERE e.complaint_id = c.id
                         AND e.type IN ('replied', 'info_requested'))`,
        );
        talking ??= new Set(rows.map((r) => r.citizen));
      }
      return talking.has(citizen);
    },
    add(citizen: string): void {
      talking?.add(citizen);
    },
    drop(citizen: string): void {
      talking?.delete(citizen);
    },
  };

  return {
    db,
    conversations,
    outbound,
    talkingTo,
    categories,
    dispatch,
    calendar,
    now,
    dateOf,
    notify,
    later,
    afterCommit,
    get: getComplaint,
    event: complaintEvent,
    tell,
    canSee,
    change,
  };
}
