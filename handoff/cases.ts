import { AppError } from "../core/app-error.js";
import type { LiveHub } from "../core/live-hub.js";
import type { Logger } from "../core/logger.js";
import { redactIdNumbers } from "../core/redact.js";
import { isCrisis, isGraver, type RiskKind, type RiskLevel } from "../intents/crisis-risk.js";
import type { Channel, ConversationStore, HandoffReason, StoredEvent } from "../store/conversations.js";
import type { Db } from "../store/db.js";
import type { Queryable } from "../store/sql.js";
import { recordList, recordView } from "./audit.js";
import { type CaseAction, type CaseState, isOpen, nextState, OPEN_STATES } from "./case-state.js";
import { chinaDate } from "./deadlines.js";
import { caseMessages, riskReasonLabel } from "./messages.js";
import { type Outbound, sendToCitizen } from "./outbound.js";
import type { HandoffOutcome, HandoffPort } from "./port.js";
import type { Presence } from "./presence.js";
import type { Reply } from "./reply.js";
import { onDuty, type StaffMember, toStaff } from "./roster.js";

export const STAFF_TOPIC = "staff";

export interface EscalationPolicy {
  /** Seconds an unclaimed case may wait before everyone on duty and the supervisors are paged again. */
  imminent: number;
  high: number;
  other: number;
}
export const DEFAULT_ESCALATION: EscalationPolicy = { imminent: 60, high: 120, other: 600 };

const roleLabel = (s: StaffMember): string => caseMessages.staffRole[s.role] ?? "工作人员";
/** How a staff member signs what the citizen reads: their display name and role, never their account name. */
const senderLabel = (s: StaffMember): string => `${s.displayName}（${roleLabel(s)}）`;

/** Escalations after which a waiting citizen is reassured (at most three, further apart each time). */
const REASSURE_AT: readonly number[] = [1, 3, 6];

export const OUTCOMES = ["已疏导", "已转介", "已联系110/120", "无法联系", "已解答", "其他"] as const;

const PRIORITY: Record<RiskLevel, number> = { imminent: 3, high: 2, distress: 1, none: 1 };

export interface CaseRecord {
  id: string;
  conversationId: string;
  channel: Channel;
  kind: HandoffReason;
  risk: RiskLevel;
  subject: "self" | "other";
  /** self: the citizen's own life; others: a threat the citizen makes; harmed: harm done to the citizen. */
  riskKind: RiskKind;
  priority: number;
  state: CaseState;
  holderId: number | null;
  transferTo: number | null;
  firstMessage: string;
  openedAt: string;
  claimedAt: string | null;
  resolvedAt: string | null;
  escalateAt: string | null;
  escalations: number;
  outcome: string | null;
  followUp: string | null;
}

interface CaseRow {
  id: string;
  conversation_id: string;
  channel: Channel;
  kind: HandoffReason;
  risk: RiskLevel;
  subject: "self" | "other";
  risk_kind: RiskKind | null;
  priority: number;
  state: CaseState;
  holder_id: number | null;
  transfer_to: number | null;
  first_message: string;
  opened_at: string;
  claimed_at: string | null;
  resolved_at: string | null;
  escalate_at: string | null;
  escalations: number;
  outcome: string | null;
  follow_up: string | null;
}

const toCase = (r: CaseRow): CaseRecord => ({
  id: r.id,
  conversationId: r.conversation_id,
  channel: r.channel,
  kind: r.kind,
  risk: r.risk,
  subject: r.subject,
  riskKind: r.risk_kind ?? "self",
  priority: r.priority,
  state: r.state,
  holderId: r.holder_id,
  transferTo: r.transfer_to,
  firstMessage: r.first_message,
  openedAt: r.opened_at,
  claimedAt: r.claimed_at,
  resolvedAt: r.resolved_at,
  escalateAt: r.escalate_at,
  escalations: r.escalations,
  outcome: r.outcome,
  followUp: r.follow_up,
});

const OPEN_SQL = OPEN_STATES.map((s) => `'${s}'`).join(", ");

export interface PageNotice {
  caseId: string;
  reason: "new" | "escalation" | "risk_raised" | "transfer";
  risk: RiskLevel;
  to: StaffMember[];
}

/** Where pages go besides the console (Slack, once its adapter is on). */
export interface Pager {
  page(notice: PageNotice, record: CaseRecord): void;
}

export interface HandoffDeps {
  db: Db;
  conversations: ConversationStore;
  live: LiveHub;
  outbound: Outbound;
  logger: Logger;
  now?: () => Date;
  escalation?: Partial<EscalationPolicy>;
  pagers?: Pager[];
  /** Whose console is open; without it nobody counts as reachable through the console (Slack links still do). */
  presence?: Presence;
}

export function createHandoff(deps: HandoffDeps) {
  const { db, conversations, live, outbound, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const policy = { ...DEFAULT_ESCALATION, ...deps.escalation };
  const pagers = [...(deps.pagers ?? [])];
  /** Pages decided inside a transaction, sent only once it has committed. */
  const pending = new Map<string, PageNotice[]>();

  const waitSeconds = (risk: RiskLevel) =>
    risk === "imminent" ? policy.imminent : risk === "high" ? policy.high : policy.other;
  const dueAt = (risk: RiskLevel, from: Date) =>
    new Date(from.getTime() + waitSeconds(risk) * 1000).toISOString();

  const getCase = async (q: Queryable, id: string) => {
    const row = await q.get<CaseRow>("SELECT * FROM cases WHERE id = ?", [id]);
    return row ? toCase(row) : undefined;
  };
  const openCaseOf = async (q: Queryable, conversationId: string) => {
    const row = await q.get<CaseRow>(
      `SELECT * FROM cases WHERE conversation_id = ? AND state IN (${OPEN_SQL})`,
      [conversationId],
    );
    return row ? toCase(row) : undefined;
  };

  const event = (
    q: Queryable,
    caseId: string,
    type: string,
    actor: string,
    at: string,
    extra: { from?: CaseState; to?: CaseState; payload?: unknown } = {},
  ) =>
    q.run(
      "INSERT INTO case_events (case_id, type, actor, from_state, to_state, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      [caseId, type, actor, extra.from ?? null, extra.to ?? null, JSON.stringify(extra.payload ?? {}), at],
    );

  const queuePage = async (
    q: Queryable,
    c: CaseRecord,
    reason: PageNotice["reason"],
    at: Date,
    withSupervisors: boolean,
  ) => {
    let to: StaffMember[];
    if (c.holderId !== null) {
      // A held case alerts its holder, on shift or not: they are in the conversation right now.
      const holder = await q.get<{
        id: number;
        username: string;
        display_name: string;
        role: StaffMember["role"];
        department: string | null;
      }>("SELECT id, username, display_name, role, department FROM staff WHERE id = ?", [c.holderId]);
      to = holder ? [toStaff(holder)] : [];
    } else {
      to = await onDuty(q, at, withSupervisors ? ["counselor", "supervisor"] : ["counselor"]);
    }
    await event(q, c.id, "paged", "system", at.toISOString(), {
      payload: { reason, to: to.map((s) => s.username) },
    });
    const list = pending.get(c.conversationId) ?? [];
    list.push({ caseId: c.id, reason, risk: c.risk, to });
    pending.set(c.conversationId, list);
    return to.length;
  };

  /** Counselors who can answer now: on shift, and with the console open or a Slack account linked. */
  const reachable = async (q: Queryable, at: Date): Promise<number> => {
    let n = 0;
    for (const s of await onDuty(q, at, ["counselor"])) {
      if (deps.presence?.isConnected(s.id)) n++;
      else if (await q.get("SELECT 1 AS one FROM slack_users WHERE username = ? LIMIT 1", [s.username])) n++;
    }
    return n;
  };

  const nextCaseId = async (q: Queryable, at: Date) => {
    // The year as in Hohhot, like complaint numbers: a case opened on 31 December at 23:00 CST is that year's.
    const year = chinaDate(at.toISOString()).slice(0, 4);
    // A range on the primary key rather than COUNT(*) … LIKE: the newest id of the year, in constant time.
    const row = await q.get<{ id: string }>(
      "SELECT id FROM cases WHERE id >= ? AND id < ? ORDER BY id DESC LIMIT 1",
      [`RG-${year}-`, `RG-${year}-a`],
    );
    return `RG-${year}-${String((row ? Number(row.id.slice(-6)) : 0) + 1).padStart(6, "0")}`;
  };

  const flush = (conversationId: string) => {
    const notices = pending.get(conversationId);
    pending.delete(conversationId);
    for (const n of notices ?? []) {
      void getCase(db, n.caseId).then((c) => {
        if (!c) return;
        // One event for every console; `to` says whom it pages, so a console can tell "for me" from "for the team".
        live.publish(STAFF_TOPIC, "page", {
          caseId: n.caseId,
          reason: n.reason,
          risk: n.risk,
          state: c.state,
          to: n.to.map((s) => s.username),
        });
        for (const p of pagers) {
          try {
            p.page(n, c);
          } catch (err) {
            logger.error({ err, caseId: n.caseId }, "pager failed");
          }
        }
      });
    }
  };

  const port: HandoffPort = {
    async request(tx, req): Promise<HandoffOutcome> {
      const at = new Date(req.at);
      const open = await openCaseOf(tx, req.conversationId);
      if (open) {
        if (isGraver(req.risk, open.risk)) await raise(tx, open, req.risk, at);
        if (req.reason === "crisis" && open.kind !== "crisis") {
          await tx.run("UPDATE cases SET kind = 'crisis', subject = ? WHERE id = ?", [req.subject, open.id]);
        }
        // A threat to others outranks harm and self for how the case is answered (110 first): never downgraded.
        const kindRank = { self: 0, harmed: 1, others: 2 } as const;
        const riskKind = req.riskKind ?? "self";
        if (kindRank[riskKind] > kindRank[open.riskKind]) {
          await tx.run("UPDATE cases SET risk_kind = ? WHERE id = ?", [riskKind, open.id]);
        }
        return {
          caseId: open.id,
          created: false,
          paged: open.holderId !== null ? 1 : (await onDuty(tx, at, ["counselor"])).length,
          available: open.holderId !== null ? 1 : await reachable(tx, at),
        };
      }
      const id = await nextCaseId(tx, at);
      const risk: RiskLevel =
        req.reason === "crisis"
          ? req.risk
          : req.reason === "distress"
            ? "distress"
            : req.risk === "none"
              ? "none"
              : req.risk;
      await tx.run(
        `INSERT INTO cases (id, conversation_id, channel, kind, risk, subject, risk_kind, priority, state, first_message, opened_at, escalate_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'waiting', ?, ?, ?, ?)`,
        [
          id,
          req.conversationId,
          req.channel,
          req.reason,
          risk,
          req.subject,
          req.riskKind ?? "self",
          PRIORITY[risk],
          // The queue and every list show this: no ID number in it (the transcript is masked the same way).
          redactIdNumbers(req.text).slice(0, 500),
          req.at,
          dueAt(risk, at),
          req.at,
        ],
      );
      await event(tx, id, "opened", "citizen", req.at, {
        to: "waiting",
        payload: { reason: req.reason, risk, riskKind: req.riskKind ?? "self" },
      });
      const record = await getCase(tx, id);
      if (!record) throw new AppError("internal", "case vanished");
      const paged = await queuePage(tx, record, "new", at, false);
      return { caseId: id, created: true, paged, available: await reachable(tx, at) };
    },

    async join(tx, req) {
      // join runs first in a turn (before any request), so it starts the turn's list of pages afresh.
      pending.delete(req.conversationId);
      const open = await openCaseOf(tx, req.conversationId);
      if (!open) {
        // The case was closed while the conversation still said "waiting": hand it back to the bot.
        await conversations.update(tx, req.conversationId, { mode: "bot" }, req.at);
        return;
      }
      await event(tx, open.id, "citizen_message", "citizen", req.at, { payload: { risk: req.risk } });
      if (isGraver(req.risk, open.risk) && isCrisis(req.risk))
        await raise(tx, open, req.risk, new Date(req.at));
    },

    afterCommit(conversationId) {
      flush(conversationId);
      live.publish(STAFF_TOPIC, "conversation", { conversationId });
    },

    async status(conversationId) {
      const open = await openCaseOf(db, conversationId);
      if (!open) return undefined;
      const label =
        open.state === "waiting" || open.state === "transferred"
          ? "正在等待工作人员接入"
          : "工作人员正在处理";
      return `你的转人工请求（编号 ${open.id}）：${label}。`;
    },
  };

  async function raise(tx: Queryable, c: CaseRecord, risk: RiskLevel, at: Date) {
    const due = c.state === "waiting" ? dueAt(risk, at) : c.escalateAt;
    await tx.run("UPDATE cases SET risk = ?, priority = ?, escalate_at = ?, updated_at = ? WHERE id = ?", [
      risk,
      PRIORITY[risk],
      due,
      at.toISOString(),
      c.id,
    ]);
    await event(tx, c.id, "risk_raised", "detector", at.toISOString(), {
      payload: { from: c.risk, to: risk },
    });
    const raised = { ...c, risk, priority: PRIORITY[risk] };
    await queuePage(tx, raised, "risk_raised", at, c.holderId === null);
  }

  /** Applies one lifecycle action inside a transaction; the conversation's mode follows the case. */
  async function transition(
    tx: Queryable,
    caseId: string,
    action: CaseAction,
    actor: StaffMember | "system",
    patch: Record<string, string | number | null> = {},
    payload: unknown = {},
  ): Promise<CaseRecord> {
    const c = await getCase(tx, caseId);
    if (!c) throw new AppError("not_found", `没有编号为 ${caseId} 的个案`);
    const to = nextState(c.state, action);
    const at = now().toISOString();
    const sets = Object.keys(patch).map((k) => `${k} = ?`);
    // Compare-and-set on the state: two staff racing for the same case, exactly one wins.
    const r = await tx.run(
      `UPDATE cases SET state = ?, updated_at = ?${sets.map((s) => `, ${s}`).join("")} WHERE id = ? AND state = ?`,
      [to, at, ...Object.values(patch), caseId, c.state],
    );
    if (r.changes !== 1) throw new AppError("conflict", "个案刚被其他人更新，请刷新后重试");
    await event(tx, caseId, action, actor === "system" ? "system" : actor.username, at, {
      from: c.state,
      to,
      payload,
    });
    const mode = to === "claimed" || to === "active" ? "human" : isOpen(to) ? "waiting" : "bot";
    await conversations.update(tx, c.conversationId, { mode }, at);
    const updated = await getCase(tx, caseId);
    if (!updated) throw new AppError("internal", "case vanished");
    return updated;
  }

  const publishCase = (c: CaseRecord) =>
    live.publish(STAFF_TOPIC, "case", { caseId: c.id, state: c.state, holderId: c.holderId });

  /** Stores a staff or system message in the conversation, then pushes it to the citizen's channel. */
  const messaging = { db, conversations, outbound, logger, now };

  const canSee = (viewer: StaffMember, c: CaseRecord) =>
    viewer.role === "supervisor" ||
    viewer.role === "admin" ||
    (viewer.role === "counselor" &&
      (c.holderId === viewer.id ||
        c.state === "waiting" ||
        (c.state === "transferred" && c.transferTo === viewer.id)));

  const assertHolder = (viewer: StaffMember, c: CaseRecord) => {
    if (c.holderId !== viewer.id && viewer.role !== "supervisor" && viewer.role !== "admin") {
      throw new AppError("forbidden", "只有正在处理此个案的工作人员可以这样做");
    }
  };

  const service = {
    port,
    policy,
    /** Channels that page staff besides the console (Slack) register here once they are running. */
    addPager(pager: Pager) {
      pagers.push(pager);
    },

    get: (id: string) => getCase(db, id),

    async queue(viewer: StaffMember): Promise<CaseRecord[]> {
      const rows = await db.all<CaseRow>(
        `SELECT * FROM cases WHERE state IN (${OPEN_SQL}) ORDER BY
           CASE WHEN state IN ('waiting', 'transferred') THEN 0 ELSE 1 END, priority DESC, opened_at ASC`,
      );
      const visible = rows.map(toCase).filter((c) => canSee(viewer, c));
      if (visible.length > 0) await recordList(db, viewer, "list_cases", visible.length, now().toISOString());
      return visible;
    },

    /** The viewer's own cases that have ended, newest first: what a counselor looks back on after a shift. */
    async closedBy(viewer: StaffMember, limit = 20): Promise<CaseRecord[]> {
      const rows = await db.all<CaseRow>(
        `SELECT * FROM cases WHERE holder_id = ? AND state NOT IN (${OPEN_SQL})
         ORDER BY COALESCE(resolved_at, updated_at) DESC LIMIT ?`,
        [viewer.id, limit],
      );
      return rows.map(toCase);
    },

    /** The case with its transcript, recorded in the audit log as a view by `viewer`. */
    async view(id: string, viewer: StaffMember) {
      const c = await getCase(db, id);
      if (!c || !canSee(viewer, c)) {
        // A refused look at someone else's case is itself audited, as for complaints.
        if (c)
          await recordView(
            db,
            viewer,
            "view_transcript_refused",
            { caseId: c.id, conversationId: c.conversationId },
            now().toISOString(),
          );
        throw new AppError(
          c ? "forbidden" : "not_found",
          c ? "这不是你负责的个案" : `没有编号为 ${id} 的个案`,
        );
      }
      await recordView(
        db,
        viewer,
        "view_transcript",
        { caseId: c.id, conversationId: c.conversationId },
        now().toISOString(),
      );
      const events: StoredEvent[] = await conversations.events(c.conversationId);
      const caseEvents = await db.all<{
        type: string;
        actor: string;
        from_state: string | null;
        to_state: string | null;
        payload: string;
        created_at: string;
      }>(
        "SELECT type, actor, from_state, to_state, payload, created_at FROM case_events WHERE case_id = ? ORDER BY id",
        [c.id],
      );
      const conv = await conversations.get(c.conversationId);
      const previous = await db.all<CaseRow>(
        `SELECT c.* FROM cases c JOIN conversations v ON v.id = c.conversation_id
         WHERE c.id != ? AND (c.conversation_id = ? OR (v.external_user IS NOT NULL AND v.external_user = ? AND v.channel = ?))
         ORDER BY c.opened_at DESC LIMIT 20`,
        [c.id, c.conversationId, conv?.externalUser ?? null, conv?.channel ?? ""],
      );
      return {
        case: c,
        // Staff read the detector's reasons in plain Chinese, not its codes.
        transcript: events.map((e) => {
          const p = e.payload as { reasons?: unknown } | null;
          if (e.type !== "understood" || !Array.isArray(p?.reasons)) return e;
          return { ...e, payload: { ...p, reasons: p.reasons.map((r) => riskReasonLabel(String(r))) } };
        }),
        caseEvents: caseEvents.map((e) => ({ ...e, payload: JSON.parse(e.payload) as unknown })),
        previous: previous.map(toCase),
      };
    },

    async claim(id: string, staff: StaffMember): Promise<CaseRecord> {
      if (staff.role !== "counselor" && staff.role !== "supervisor")
        throw new AppError("forbidden", "只有心理咨询师和督导可以认领个案");
      const c = await db.transaction(async (tx) => {
        const current = await getCase(tx, id);
        if (!current) throw new AppError("not_found", `没有编号为 ${id} 的个案`);
        // A transferred case waits for its named colleague; a supervisor may take it over (say, they are off shift).
        if (current.state === "transferred" && current.transferTo !== staff.id && staff.role !== "supervisor")
          throw new AppError("conflict", "此个案已转交给其他同事");
        if (current.state !== "waiting" && current.state !== "transferred") {
          throw new AppError(
            "conflict",
            current.holderId === staff.id ? "你已经认领了此个案" : "此个案已被其他同事认领",
          );
        }
        return transition(tx, id, "claim", staff, {
          holder_id: staff.id,
          transfer_to: null,
          claimed_at: now().toISOString(),
          escalate_at: null,
        });
      });
      publishCase(c);
      // The person waiting learns at once that a named human is here, before the first word is typed.
      await sendToCitizen(
        messaging,
        { id: c.conversationId, channel: c.channel },
        { kind: "handoff", text: caseMessages.staffJoined(staff.displayName, roleLabel(staff)) },
        "bot",
      );
      return c;
    },

    async reply(id: string, staff: StaffMember, text: string): Promise<void> {
      const at = now().toISOString();
      const staffReply: Reply = { kind: "staff", text, sender: senderLabel(staff) };
      // One transaction: the case becomes active and the reply is stored before anything is sent.
      const { c, eventId } = await db.transaction(async (tx) => {
        const current = await getCase(tx, id);
        if (!current) throw new AppError("not_found", `没有编号为 ${id} 的个案`);
        assertHolder(staff, current);
        if (current.state !== "claimed" && current.state !== "active") {
          throw new AppError("illegal_transition", "请先认领个案再回复");
        }
        const c = current.state === "claimed" ? await transition(tx, id, "start", staff) : current;
        const eventId = await conversations.append(
          tx,
          c.conversationId,
          [{ type: "reply", actor: `staff:${staff.username}`, payload: staffReply }],
          at,
        );
        await event(tx, id, "staff_reply", staff.username, at, { payload: { length: text.length } });
        return { c, eventId };
      });
      await outbound.deliver(
        { id: c.conversationId, channel: c.channel },
        { ...staffReply, eventId, from: "staff" },
      );
      publishCase(c);
    },

    async note(id: string, staff: StaffMember, text: string): Promise<void> {
      const c = await getCase(db, id);
      if (!c || !canSee(staff, c)) throw new AppError("not_found", `没有编号为 ${id} 的个案`);
      await db.transaction((tx) =>
        event(tx, id, "note", staff.username, now().toISOString(), { payload: { text } }),
      );
      publishCase(c);
    },

    async transfer(id: string, staff: StaffMember, to: StaffMember): Promise<CaseRecord> {
      if (to.role !== "counselor" && to.role !== "supervisor")
        throw new AppError("bad_input", "个案只能转交给心理咨询师或督导");
      const c = await db.transaction(async (tx) => {
        const current = await getCase(tx, id);
        if (!current) throw new AppError("not_found", `没有编号为 ${id} 的个案`);
        assertHolder(staff, current);
        const updated = await transition(
          tx,
          id,
          "transfer",
          staff,
          // The escalation clock restarts: if the colleague does not take it in time, everyone on duty is paged.
          { holder_id: null, transfer_to: to.id, escalate_at: dueAt(current.risk, now()) },
          { to: to.username },
        );
        const list = pending.get(updated.conversationId) ?? [];
        list.push({ caseId: id, reason: "transfer", risk: updated.risk, to: [to] });
        pending.set(updated.conversationId, list);
        return updated;
      });
      flush(c.conversationId);
      publishCase(c);
      return c;
    },

    async release(id: string, staff: StaffMember): Promise<CaseRecord> {
      const c = await db.transaction(async (tx) => {
        const current = await getCase(tx, id);
        if (!current) throw new AppError("not_found", `没有编号为 ${id} 的个案`);
        assertHolder(staff, current);
        return transition(tx, id, "release", staff, {
          holder_id: null,
          escalate_at: dueAt(current.risk, now()),
        });
      });
      publishCase(c);
      return c;
    },

    async resolve(id: string, staff: StaffMember, outcome: string, followUp?: string): Promise<CaseRecord> {
      const c = await db.transaction(async (tx) => {
        const current = await getCase(tx, id);
        if (!current) throw new AppError("not_found", `没有编号为 ${id} 的个案`);
        assertHolder(staff, current);
        // For imminent risk the record must say whether emergency help was confirmed to have reached the person.
        if (current.risk === "imminent" && !followUp?.trim()) {
          throw new AppError("bad_input", "紧急个案结案前必须填写随访确认：是否确认紧急救援已到达当事人");
        }
        const action: CaseAction = outcome === "无法联系" ? "abandon" : "resolve";
        return transition(
          tx,
          id,
          action,
          staff,
          {
            outcome,
            follow_up: followUp?.trim() || null,
            resolved_at: now().toISOString(),
            escalate_at: null,
          },
          { outcome },
        );
      });
      publishCase(c);
      // A case that ends leaves the person with a last word and the numbers, not with silence.
      if (c.kind !== "human") {
        await sendToCitizen(
          messaging,
          { id: c.conversationId, channel: c.channel },
          { kind: "handoff", text: caseMessages.caseClosed },
          "bot",
        );
      }
      return c;
    },

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
        flush(c.conversationId);
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
        await sendToCitizen(
          messaging,
          { id: c.conversationId, channel: c.channel },
          { kind: "handoff", text: text ?? caseMessages.stillWaiting },
          "bot",
        );
      }
      return due.length;
    },
  };
  return service;
}

export type HandoffService = ReturnType<typeof createHandoff>;
