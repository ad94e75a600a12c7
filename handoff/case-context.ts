/**
 * What every part of the handoff service shares: its dependencies, the escalation clock, paging, who may see or
 * must hold a case, and `transition`, the one guarded way a case changes state (the conversation's mode follows).
 */
import { AppError } from "../core/app-error.js";
import type { LiveHub } from "../core/live-hub.js";
import type { Logger } from "../core/logger.js";
import type { RiskLevel } from "../intents/crisis-risk.js";
import type { ConversationStore } from "../store/conversations.js";
import type { Db } from "../store/db.js";
import type { Queryable } from "../store/sql.js";
import { caseConversations, DEFAULT_JOIN_WINDOW_MS } from "./case-joins.js";
import { createPaging, type Pager, STAFF_TOPIC } from "./case-paging.js";
import { type CaseRecord, caseEvent as event, getCase } from "./case-records.js";
import { type CaseAction, isOpen, nextState } from "./case-state.js";
import { caseMessages } from "./messages.js";
import type { Outbound } from "./outbound.js";
import type { Presence } from "./presence.js";
import type { StaffMember } from "./roster.js";

export interface EscalationPolicy {
  /** Seconds an unclaimed case may wait before everyone on duty and the supervisors are paged again. */
  imminent: number;
  high: number;
  other: number;
}
export const DEFAULT_ESCALATION: EscalationPolicy = { imminent: 60, high: 120, other: 600 };

export const roleLabel = (s: StaffMember): string => caseMessages.staffRole[s.role] ?? "工作人员";
/** How a staff member signs what the citizen reads: their display name and role, never their account name. */
export const senderLabel = (s: StaffMember): string => `${s.displayName}（${roleLabel(s)}）`;

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
  /** How long after a client's crisis case opened its further crises join it (case-joins.ts); default 10 min. */
  joinWindowMs?: number;
}

export type CaseContext = ReturnType<typeof createCaseContext>;

export function createCaseContext(deps: HandoffDeps) {
  const { db, conversations, live, outbound, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const policy = { ...DEFAULT_ESCALATION, ...deps.escalation };
  const paging = createPaging(deps);

  const waitSeconds = (risk: RiskLevel) =>
    risk === "imminent" ? policy.imminent : risk === "high" ? policy.high : policy.other;
  const dueAt = (risk: RiskLevel, from: Date) =>
    new Date(from.getTime() + waitSeconds(risk) * 1000).toISOString();

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
    // Every conversation of the case follows it, the joined ones too: claimed, all are with a human; closed, all
    // go back to the bot.
    for (const v of await caseConversations(tx, c)) await conversations.update(tx, v.id, { mode }, at);
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

  return {
    db,
    conversations,
    live,
    outbound,
    now,
    policy,
    joinWindowMs: deps.joinWindowMs ?? DEFAULT_JOIN_WINDOW_MS,
    dueAt,
    paging,
    transition,
    publishCase,
    messaging,
    canSee,
    assertHolder,
  };
}
