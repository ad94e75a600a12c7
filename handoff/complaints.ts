import { AppError } from "../core/app-error.js";
import type { LiveHub } from "../core/live-hub.js";
import type { Logger } from "../core/logger.js";
import { redactIdNumbers } from "../core/redact.js";
import { isCrisis } from "../intents/crisis-risk.js";
import type { Channel, ComplaintDraft, ConversationStore } from "../store/conversations.js";
import type { Db } from "../store/db.js";
import type { Queryable } from "../store/sql.js";
import { recordList, recordView } from "./audit.js";
import type { ComplaintCatalogue } from "./complaint-categories.js";
import { type Calendar, chinaDate, deadlinesFor } from "./deadlines.js";
import type { DispatchCatalogue } from "./dispatch.js";
import { complaintMessages as cm } from "./messages.js";
import { type Outbound, sendToCitizen } from "./outbound.js";
import type { Reply } from "./reply.js";
import type { StaffMember } from "./roster.js";

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

/** Live topic for complaint changes, separate from the crisis queue's topic. */
export const COMPLAINT_TOPIC = "complaints";
/** A department's own feed: a clerk's console must not learn of other departments' cases. */
export const departmentTopic = (departmentId: string) => `complaints:${departmentId}`;

/** Several citizens, same category and place, this similar, within the window: a possible collective matter. */
export const GROUP_SIMILARITY = 0.3;
export const GROUP_WINDOW_DAYS = 30;
/** How many recent open cases of the same category and place the merge check compares against, at most. */
const GROUP_CANDIDATES = 200;
const REMIND_BEFORE_MS = 24 * 3600_000;

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

interface Row {
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

const toRecord = (r: Row): ComplaintRecord => ({
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

/** Character bigrams of the Chinese text: a tokenizer-free fingerprint that survives rewording and typos. */
export function signatureOf(text: string): string[] {
  const out = new Set<string>();
  const han = text.replace(/[^\u3400-\u9fff]/g, "");
  for (let i = 0; i + 1 < han.length; i++) out.add(han.slice(i, i + 2));
  return [...out];
}

export function jaccard(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const set = new Set(a);
  let shared = 0;
  for (const x of b) if (set.has(x)) shared++;
  return shared / (a.length + b.length - shared);
}

export interface FileResult {
  id: string;
  reply: Reply;
  joinedOwn: boolean;
  group?: { lead: string; similarity: number };
}

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

const OPEN = "('dispatched', 'accepted', 'awaiting_info', 'returned')";

export function createComplaints(deps: ComplaintDeps) {
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
  /** How long after a department's last reply the citizen's messages still go into the case. */
  const THREAD_DAYS = 14;
  const pending = new Map<string, Notice[]>();
  const later = (conversationId: string, data: Notice) =>
    pending.set(conversationId, [...(pending.get(conversationId) ?? []), data]);

  const get = async (q: Queryable, id: string) => {
    const row = await q.get<Row>("SELECT * FROM complaints WHERE id = ?", [id]);
    return row ? toRecord(row) : undefined;
  };
  const event = (q: Queryable, id: string, type: string, actor: string, payload: unknown, at: string) =>
    q.run(
      "INSERT INTO complaint_events (complaint_id, type, actor, payload, created_at) VALUES (?, ?, ?, ?, ?)",
      [id, type, actor, JSON.stringify(payload), at],
    );
  const publish = (c: ComplaintRecord, type: string) =>
    notify({
      complaintId: c.id,
      type,
      departmentId: c.departmentId,
      state: c.state,
    });

  const nextId = async (q: Queryable, at: Date) => {
    const year = chinaDate(at.toISOString()).slice(0, 4);
    // A range on the primary key, not LIKE (case-insensitive, so it cannot use the index): constant time.
    const row = await q.get<{ id: string }>(
      "SELECT id FROM complaints WHERE id >= ? AND id < ? ORDER BY id DESC LIMIT 1",
      [`SW-${year}-`, `SW-${year}-a`],
    );
    return `SW-${year}-${String(row ? Number(row.id.slice(-6)) + 1 : 1).padStart(6, "0")}`;
  };

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
    allowed: readonly ComplaintState[],
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
      const c = await get(tx, id);
      if (!c) throw new AppError("not_found", `没有编号为 ${id} 的诉求`);
      mustHandle(viewer, c);
      if (!allowed.includes(c.state))
        throw new AppError(
          "illegal_transition",
          `诉求当前状态为「${COMPLAINT_STATE_LABELS[c.state]}」，不能这样操作`,
        );
      const patch = await work(tx, c, at);
      // A new deadline gets its own reminder and 督办.
      if ("handle_by" in patch) Object.assign(patch, { reminded_at: null, escalated_at: null });
      const keys = Object.keys(patch);
      const r = await tx.run(
        `UPDATE complaints SET updated_at = ?${keys.map((k) => `, ${k} = ?`).join("")} WHERE id = ? AND state = ?`,
        [at, ...keys.map((k) => patch[k] ?? null), id, c.state],
      );
      if (r.changes !== 1) throw new AppError("conflict", "诉求刚被其他人更新，请刷新后重试");
      await event(tx, id, type, viewer.username, payload, at);
      const next = await get(tx, id);
      if (!next) throw new AppError("internal", "complaint vanished");
      return next;
    });
    publish(updated, type);
    return updated;
  }

  const service = {
    get: (id: string) => get(db, id),

    /** Files a confirmed draft inside the citizen's turn: merge check, dispatch, deadlines, one transaction. */
    async file(
      tx: Queryable,
      req: { conversationId: string; channel: Channel; citizen: string; draft: ComplaintDraft; at: string },
    ): Promise<FileResult> {
      const d = req.draft;
      const category = categories.byId(d.category ?? "") ?? categories.get("other");
      const what = d.what ?? "";
      const signature = signatureOf(what);

      // The same citizen on the same matter: join the open case instead of dispatching it twice.
      const own = await tx.get<Row>(
        `SELECT * FROM complaints WHERE citizen = ? AND category = ? AND county IS ? AND league IS ? AND state IN ${OPEN}
         ORDER BY opened_at DESC LIMIT 1`,
        [req.citizen, category.id, d.county ?? null, d.league ?? null],
      );
      if (own) {
        await event(tx, own.id, "citizen_added", "citizen", { what, ask: d.ask }, req.at);
        return { id: own.id, joinedOwn: true, reply: { kind: "complaint", text: cm.joinedOwn(own.id) } };
      }

      // Other citizens on the same matter, same category and place, recently: link under one lead case.
      const since = new Date(Date.parse(req.at) - GROUP_WINDOW_DAYS * 86_400_000).toISOString();
      const candidates = await tx.all<
        Pick<Row, "id" | "group_id" | "signature" | "department_id" | "department_name" | "dispatch_rule">
      >(
        `SELECT id, group_id, signature, department_id, department_name, dispatch_rule FROM complaints
         WHERE category = ? AND county IS ? AND league IS ? AND state IN ${OPEN} AND opened_at >= ?
         ORDER BY opened_at DESC LIMIT ${GROUP_CANDIDATES}`,
        [category.id, d.county ?? null, d.league ?? null, since],
      );
      let best: { row: (typeof candidates)[number]; similarity: number } | undefined;
      for (const row of candidates) {
        const similarity = jaccard(signature, row.signature.split(" "));
        if (similarity >= GROUP_SIMILARITY && (!best || similarity > best.similarity))
          best = { row, similarity };
      }

      const route = dispatch.route(category.id, { league: d.league, county: d.county });
      const department = best
        ? {
            id: best.row.department_id,
            name: best.row.department_name,
            rule: `并入 ${best.row.group_id ?? best.row.id}：${best.row.dispatch_rule}`,
          }
        : { id: route.departmentId, name: route.name, rule: route.rule };
      const urgent = categories.infer(what).find((x) => x.category.id === category.id)?.urgent ?? false;
      const due = deadlinesFor(category, req.at, calendar, { urgent });
      const id = await nextId(tx, new Date(req.at));
      const groupId = best ? (best.row.group_id ?? best.row.id) : null;
      await tx.run(
        `INSERT INTO complaints (id, conversation_id, channel, citizen, category, league, county, detail, what, ask, contact, phone,
           department_id, department_name, dispatch_rule, state, group_id, similarity, signature, opened_at, accept_by, handle_by, updated_at, urgent)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'dispatched', ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          id,
          req.conversationId,
          req.channel,
          req.citizen,
          category.id,
          d.league ?? null,
          d.county ?? null,
          d.detail || null,
          what,
          d.ask ?? "",
          d.contact === "phone" && d.consent ? "phone" : "chat",
          d.contact === "phone" && d.consent ? (d.phone ?? null) : null,
          department.id,
          department.name,
          department.rule,
          groupId,
          best ? Math.round(best.similarity * 1000) / 1000 : null,
          signature.join(" "),
          req.at,
          due.acceptBy,
          due.handleBy,
          req.at,
          urgent ? 1 : 0,
        ],
      );
      await event(tx, id, "filed", "citizen", { category: category.id, urgent, notes: due.notes }, req.at);
      await event(
        tx,
        id,
        "dispatched",
        "system",
        { department: department.id, rule: department.rule },
        req.at,
      );
      if (best && groupId) {
        if (!best.row.group_id)
          await tx.run("UPDATE complaints SET group_id = ? WHERE id = ?", [groupId, best.row.id]);
        await event(tx, id, "grouped", "system", { lead: groupId, similarity: best.similarity }, req.at);
        await event(
          tx,
          groupId,
          "possible_collective",
          "system",
          { joined: id, similarity: best.similarity },
          req.at,
        );
      }
      // Announced only after the citizen's turn commits (afterCommit): a department's Slack card must not show a
      // complaint whose filing could still roll back.
      later(req.conversationId, { complaintId: id, type: "filed", departmentId: department.id, groupId });
      return {
        id,
        joinedOwn: false,
        group: best && groupId ? { lead: groupId, similarity: best.similarity } : undefined,
        reply: {
          kind: "complaint",
          text: cm.filed({
            id,
            department: department.name,
            acceptBy: dateOf(due.acceptBy),
            handleBy: dateOf(due.handleBy),
          }),
          buttons: [{ label: "查询进度", payload: `查询进度 ${id}` }],
        },
      };
    },

    /** Status lines for the citizen: only cases they filed from this conversation or as this person. */
    async status(citizen: string, id?: string): Promise<string | undefined> {
      const rows = id
        ? await db.all<Row>("SELECT * FROM complaints WHERE id = ? AND citizen = ?", [id, citizen])
        : await db.all<Row>("SELECT * FROM complaints WHERE citizen = ? ORDER BY opened_at DESC LIMIT 5", [
            citizen,
          ]);
      if (id && rows.length === 0) return cm.statusNotYours;
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
      const rows = await db.all<Row>(
        `SELECT * FROM complaints WHERE ${where.join(" AND ")} ORDER BY CASE WHEN state = 'closed' THEN 1 ELSE 0 END, handle_by LIMIT 500`,
        params,
      );
      // The list shows citizens' descriptions: it is audited too. The phone number is shown only in a complaint's
      // own (audited) view.
      if (rows.length > 0) await recordList(db, viewer, "list_complaints", rows.length, at);
      return rows.map((r) => ({ ...toRecord(r), phone: null }));
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
            await db.all<Row>(
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

    accept: (id: string, viewer: StaffMember) =>
      change(
        id,
        viewer,
        ["dispatched"],
        async (_tx, c, at) => {
          const category = categories.get(c.category);
          const due = deadlinesFor(category, c.openedAt, calendar, { acceptedAt: at, urgent: c.urgent });
          return { state: "accepted", accepted_at: at, handle_by: due.handleBy };
        },
        "accepted",
        {},
      ),

    async reply(id: string, viewer: StaffMember, text: string, needInfo = false) {
      const c = await change(
        id,
        viewer,
        ["accepted", "awaiting_info"],
        async () => ({ state: needInfo ? "awaiting_info" : "accepted" }),
        needInfo ? "info_requested" : "replied",
        { text },
      );
      await tell(c, cm.departmentReply(c.departmentName, text), `department:${viewer.username}`, "staff");
      return c;
    },

    returnCase: (id: string, viewer: StaffMember, reason: string) =>
      change(
        id,
        viewer,
        ["dispatched", "accepted"],
        async (_tx, c) => ({ state: "returned", returns: c.returns + 1 }),
        "returned",
        { reason },
      ),

    async redispatch(id: string, viewer: StaffMember, departmentId: string) {
      if (viewer.role !== "supervisor" && viewer.role !== "admin")
        throw new AppError("forbidden", "只有督办人员可以改派");
      const target = dispatch.departmentById(departmentId);
      if (!target) throw new AppError("not_found", `派单目录中没有部门 ${departmentId}`);
      return change(
        id,
        viewer,
        ["returned", "dispatched", "accepted"],
        async () => ({
          state: "dispatched",
          department_id: target.id,
          department_name: target.name,
          dispatch_rule: `督办改派（${viewer.username}）`,
          accepted_at: null,
        }),
        "redispatched",
        { department: target.id },
      );
    },

    async extend(id: string, viewer: StaffMember, reason: string) {
      const c = await change(
        id,
        viewer,
        ["accepted", "awaiting_info"],
        async (_tx, current) => {
          if (current.extended) throw new AppError("conflict", "每件诉求只能延期一次");
          // The category's own rule decides, urgent cases included (they cannot be extended).
          const due = deadlinesFor(categories.get(current.category), current.openedAt, calendar, {
            acceptedAt: current.acceptedAt ?? undefined,
            urgent: current.urgent,
            extended: true,
          });
          if (!due.extendedHandleBy) throw new AppError("conflict", "此类诉求不能延期");
          return { extended: 1, extension_reason: reason, handle_by: due.extendedHandleBy };
        },
        "extended",
        { reason },
      );
      await tell(c, cm.extended(c.id, dateOf(c.handleBy), reason));
      return c;
    },

    async close(id: string, viewer: StaffMember, result: string) {
      const c = await change(
        id,
        viewer,
        ["accepted", "awaiting_info"],
        async () => ({ state: "closed", closed_at: now().toISOString(), result }),
        "closed",
        { result },
      );
      // 回访: the citizen's next answer is read by the engine through the conversation's follow-up state. Never a
      // survey to someone who has been at risk or is with a counselor: they get the result and nothing else.
      const survey = await conversations.exclusive(c.conversationId, () =>
        db.transaction(async (tx) => {
          const conv = await conversations.getIn(tx, c.conversationId);
          if (conv?.mode !== "bot" || isCrisis(conv.risk)) return false;
          const state = { ...conv.state, followUp: { complaintId: c.id, step: "resolved" as const } };
          await conversations.update(tx, c.conversationId, { state }, now().toISOString());
          return true;
        }),
      );
      if (survey)
        await tell(c, cm.closed(c.id, result), "bot", "rating", [
          { label: "已解决", payload: "已解决" },
          { label: "未解决", payload: "未解决" },
        ]);
      else await tell(c, cm.closedNoSurvey(c.id, result));
      return c;
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
        if (!answer.resolved) {
          await tx.run(
            "UPDATE complaints SET state = 'returned', closed_at = NULL, updated_at = ? WHERE id = ?",
            [at, complaintId],
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
      const since = new Date(now().getTime() - THREAD_DAYS * 86_400_000).toISOString();
      const row = await db.get<{ id: string; department_name: string }>(
        `SELECT c.id, c.department_name FROM complaints c
         WHERE c.citizen = ? AND c.state IN ('accepted', 'awaiting_info')
           AND EXISTS (SELECT 1 FROM complaint_events e WHERE e.complaint_id = c.id
                       AND e.type IN ('replied', 'info_requested') AND e.created_at >= ?)
         ORDER BY c.updated_at DESC LIMIT 1`,
        [citizen, since],
      );
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
      if (c.state === "awaiting_info")
        await tx.run(
          "UPDATE complaints SET state = 'accepted', updated_at = ? WHERE id = ? AND state = 'awaiting_info'",
          [at, complaintId],
        );
      else await tx.run("UPDATE complaints SET updated_at = ? WHERE id = ?", [at, complaintId]);
      later(c.conversationId, {
        complaintId,
        type: "citizen_added",
        departmentId: c.departmentId,
        text: what,
      });
    },

    /** After the citizen's turn committed: announce what it filed or answered. */
    afterCommit(conversationId: string) {
      const list = pending.get(conversationId);
      pending.delete(conversationId);
      for (const data of list ?? []) notify(data);
    },

    async split(id: string, viewer: StaffMember) {
      if (viewer.role !== "supervisor" && viewer.role !== "admin")
        throw new AppError("forbidden", "只有督办人员可以拆分并单");
      const at = now().toISOString();
      await db.transaction(async (tx) => {
        const c = await get(tx, id);
        if (!c?.groupId) throw new AppError("conflict", "这件诉求没有并单");
        await tx.run(
          "UPDATE complaints SET group_id = NULL, similarity = NULL, updated_at = ? WHERE id = ?",
          [at, id],
        );
        if (c.groupId !== id) {
          // A member leaves: a lead with nobody left is no longer a group.
          const left = await tx.get<{ n: number }>(
            "SELECT COUNT(*) AS n FROM complaints WHERE group_id = ? AND id != ?",
            [c.groupId, c.groupId],
          );
          if ((left?.n ?? 0) === 0) {
            await tx.run("UPDATE complaints SET group_id = NULL, similarity = NULL WHERE id = ?", [
              c.groupId,
            ]);
          }
        } else {
          // The lead leaves: the oldest remaining member leads the rest.
          const rest = await tx.all<{ id: string }>(
            "SELECT id FROM complaints WHERE group_id = ? ORDER BY opened_at",
            [id],
          );
          const lead = rest[0]?.id ?? null;
          await tx.run("UPDATE complaints SET group_id = ? WHERE group_id = ?", [
            rest.length > 1 ? lead : null,
            id,
          ]);
        }
        await event(tx, id, "split", viewer.username, { from: c.groupId }, at);
      });
    },

    /** Reminds departments a day before a deadline and escalates to supervisors when it passes (督办). */
    async sweep(): Promise<{ reminded: number; escalated: number }> {
      const at = now();
      const soon = new Date(at.getTime() + REMIND_BEFORE_MS).toISOString();
      const remind = await db.all<Row>(
        `SELECT * FROM complaints WHERE state IN ${OPEN} AND reminded_at IS NULL AND handle_by <= ? AND handle_by > ?`,
        [soon, at.toISOString()],
      );
      // Overdue: the handling deadline passed, or a dispatched case was not accepted within its 告知 limit.
      const overdue = await db.all<Row>(
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
        `SELECT department_id, department_name, COUNT(*) AS cases,
           SUM(state = 'closed') AS closed,
           SUM(state = 'closed' AND closed_at <= handle_by) AS on_time,
           AVG(CASE WHEN state = 'closed' THEN (julianday(closed_at) - julianday(opened_at)) END) AS avg_days,
           SUM(returns) AS returns,
           AVG(rating) AS avg_rating, COUNT(rating) AS rated,
           SUM(state IN ${OPEN} AND handle_by < ?) AS overdue_open
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
  return service;
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

export type ComplaintService = ReturnType<typeof createComplaints>;
