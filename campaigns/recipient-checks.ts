/**
 * Who must not get a campaign message now, and why, checked for a batch of recipients right before they are sent
 * (a person's situation can change between approval and their turn in the queue):
 * - `crisis_case`: an open crisis case, its own or one it joined (case_conversations);
 * - `recent_risk`: graded high or imminent in the last 30 days (a case opened at that risk, or a message read so);
 * - `with_counselor`: a counselor holds the conversation, or it waits for one;
 * - `unsubscribed`: no longer holds any of the campaign's topics;
 * - `weekly_cap`: already sent as many campaign messages this week as the campaign allows.
 */
import { jsonText } from "../store/dialect.js";
import type { Param, Queryable } from "../store/sql.js";

export type SkipReason = "crisis_case" | "recent_risk" | "with_counselor" | "unsubscribed" | "weekly_cap";

export const RISK_WINDOW_MS = 30 * 86_400_000;
const WEEK_MS = 7 * 86_400_000;
const OPEN = "('waiting', 'claimed', 'active', 'transferred')";

const marks = (n: number) => Array.from({ length: n }, () => "?").join(", ");

export async function reasonsToSkip(
  q: Queryable,
  ids: readonly string[],
  campaign: { topics: readonly string[]; weeklyCap: number },
  at: number,
): Promise<Map<string, SkipReason>> {
  const out = new Map<string, SkipReason>();
  if (ids.length === 0) return out;
  const list = marks(ids.length);
  const since = new Date(at - RISK_WINDOW_MS).toISOString();
  const cases = await q.all<{
    conversation_id: string;
    kind: string;
    state: string;
    risk: string;
    opened_at: string;
  }>(
    `SELECT conversation_id, kind, state, risk, opened_at FROM cases WHERE conversation_id IN (${list})
     AND (state IN ${OPEN} OR (risk IN ('high', 'imminent') AND opened_at >= ?))
     UNION ALL
     SELECT j.conversation_id, c.kind, c.state, c.risk, c.opened_at
     FROM case_conversations j JOIN cases c ON c.id = j.case_id WHERE j.conversation_id IN (${list})
     AND (c.state IN ${OPEN} OR (c.risk IN ('high', 'imminent') AND c.opened_at >= ?))`,
    [...ids, since, ...ids, since] as Param[],
  );
  // The gravest reason wins: an open crisis case, then a recent grading, then a counselor's conversation.
  for (const c of cases)
    if (c.kind === "crisis" && OPEN.includes(`'${c.state}'`)) out.set(c.conversation_id, "crisis_case");
  for (const c of cases)
    if (!out.has(c.conversation_id) && (c.risk === "high" || c.risk === "imminent") && c.opened_at >= since)
      out.set(c.conversation_id, "recent_risk");
  const graded = await q.all<{ conversation_id: string }>(
    `SELECT DISTINCT conversation_id FROM events WHERE conversation_id IN (${list}) AND type = 'understood'
     AND created_at >= ? AND ${jsonText(q.dialect, "payload", ["risk"])} IN ('high', 'imminent')`,
    [...ids, since] as Param[],
  );
  for (const g of graded) if (!out.has(g.conversation_id)) out.set(g.conversation_id, "recent_risk");
  for (const c of cases) if (!out.has(c.conversation_id)) out.set(c.conversation_id, "with_counselor");
  const held = await q.all<{ id: string }>(
    `SELECT id FROM conversations WHERE id IN (${list}) AND mode != 'bot'`,
    ids as Param[],
  );
  for (const h of held) if (!out.has(h.id)) out.set(h.id, "with_counselor");

  const subscribed = await q.all<{ conversation_id: string }>(
    `SELECT DISTINCT conversation_id FROM subscriber_topics WHERE conversation_id IN (${list})
     AND topic IN (${marks(campaign.topics.length)})`,
    [...ids, ...campaign.topics] as Param[],
  );
  const still = new Set(subscribed.map((s) => s.conversation_id));
  for (const id of ids) if (!out.has(id) && !still.has(id)) out.set(id, "unsubscribed");

  const week = await q.all<{ conversation_id: string; n: number }>(
    `SELECT conversation_id, COUNT(*) AS n FROM campaign_deliveries WHERE conversation_id IN (${list})
     AND state = 'sent' AND sent_at >= ? GROUP BY conversation_id`,
    [...ids, new Date(at - WEEK_MS).toISOString()] as Param[],
  );
  for (const w of week)
    if (!out.has(w.conversation_id) && w.n >= campaign.weeklyCap) out.set(w.conversation_id, "weekly_cap");
  return out;
}
