/**
 * A crisis or handoff case as stored: the record the service hands out, the row it is read from, its id, its
 * event log, and its queue priority by risk.
 */
import type { RiskKind, RiskLevel } from "../intents/crisis-risk.js";
import type { Channel, HandoffReason } from "../store/conversations.js";
import type { Queryable } from "../store/sql.js";
import { type CaseState, OPEN_STATES } from "./case-state.js";
import { chinaDate } from "./deadlines.js";

export const PRIORITY: Record<RiskLevel, number> = { imminent: 3, high: 2, distress: 1, none: 1 };

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

/** A row of the cases table. */
export interface CaseRow {
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

export const toCase = (r: CaseRow): CaseRecord => ({
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

/** The open states, as an SQL list. */
export const OPEN_SQL = OPEN_STATES.map((s) => `'${s}'`).join(", ");

/**
 * Of these conversations, those with an open crisis case (kind crisis, or risk high or imminent): a channel's
 * recovery must resend what it owes them, even at the risk of sending twice.
 */
export async function openCrisisConversations(q: Queryable, ids: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += 500) {
    const chunk = unique.slice(i, i + 500);
    const rows = await q.all<{ conversation_id: string }>(
      `SELECT DISTINCT conversation_id FROM cases
       WHERE conversation_id IN (${chunk.map(() => "?").join(", ")}) AND state IN (${OPEN_SQL})
         AND (kind = 'crisis' OR risk IN ('high', 'imminent'))`,
      chunk,
    );
    for (const r of rows) out.add(r.conversation_id);
    // A conversation that joined another's crisis case is owed as much as the case's own.
    const joined = await q.all<{ conversation_id: string }>(
      `SELECT DISTINCT j.conversation_id FROM case_conversations j JOIN cases c ON c.id = j.case_id
       WHERE j.conversation_id IN (${chunk.map(() => "?").join(", ")}) AND c.state IN (${OPEN_SQL})
         AND (c.kind = 'crisis' OR c.risk IN ('high', 'imminent'))`,
      chunk,
    );
    for (const r of joined) out.add(r.conversation_id);
  }
  return out;
}

export async function getCase(q: Queryable, id: string): Promise<CaseRecord | undefined> {
  const row = await q.get<CaseRow>("SELECT * FROM cases WHERE id = ?", [id]);
  return row ? toCase(row) : undefined;
}

/**
 * The conversation's open case, if it has one (at most one is open at a time): its own, or the one it joined
 * (case-joins.ts); a joined conversation belongs to that case like the case's own.
 */
export async function openCaseOf(q: Queryable, conversationId: string): Promise<CaseRecord | undefined> {
  const row =
    (await q.get<CaseRow>(`SELECT * FROM cases WHERE conversation_id = ? AND state IN (${OPEN_SQL})`, [
      conversationId,
    ])) ??
    (await q.get<CaseRow>(
      `SELECT c.* FROM case_conversations j JOIN cases c ON c.id = j.case_id
       WHERE j.conversation_id = ? AND c.state IN (${OPEN_SQL}) ORDER BY j.joined_at DESC LIMIT 1`,
      [conversationId],
    ));
  return row ? toCase(row) : undefined;
}

/** Appends to the case's event log (append-only). */
export const caseEvent = (
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

export async function nextCaseId(q: Queryable, at: Date): Promise<string> {
  // The year as in Hohhot, like complaint numbers: a case opened on 31 December at 23:00 CST is that year's.
  const year = chinaDate(at.toISOString()).slice(0, 4);
  // A range on the primary key rather than COUNT(*) … LIKE: the newest id of the year, in constant time.
  const row = await q.get<{ id: string }>(
    "SELECT id FROM cases WHERE id >= ? AND id < ? ORDER BY id DESC LIMIT 1",
    [`RG-${year}-`, `RG-${year}-a`],
  );
  return `RG-${year}-${String((row ? Number(row.id.slice(-6)) : 0) + 1).padStart(6, "0")}`;
}
