/**
 * Conversations joined to one case. A web client that opens fresh conversations one after another, each reading
 * as crisis (a flood, or one frightened person reloading the page), would otherwise open a case and page every
 * counselor each time. Within a window, a crisis from the same client (a keyed hash of its address, never the
 * address) joins the open crisis case instead: one case, one page, and the counselor sees every conversation.
 */
import type { Channel } from "../store/conversations.js";
import type { Queryable } from "../store/sql.js";
import { type CaseRecord, type CaseRow, caseEvent, OPEN_SQL, toCase } from "./case-records.js";

/**
 * How long after a client's last crisis (the case opening or its latest join) a new crisis from that client joins
 * the case rather than opening one: a flood that goes on for half an hour stays one case.
 */
export const DEFAULT_JOIN_WINDOW_MS = 10 * 60_000;

/** The open crisis case this client opened or last joined within the window, from another conversation, if any. */
export async function joinableCase(
  q: Queryable,
  req: { clientKey: string; conversationId: string; since: string },
): Promise<CaseRecord | undefined> {
  const row = await q.get<CaseRow>(
    `SELECT * FROM cases WHERE client_key = ? AND conversation_id != ?
       AND state IN (${OPEN_SQL}) AND (kind = 'crisis' OR risk IN ('high', 'imminent'))
       AND (opened_at >= ? OR EXISTS (
             SELECT 1 FROM case_conversations j WHERE j.case_id = cases.id AND j.joined_at >= ?))
     ORDER BY opened_at DESC LIMIT 1`,
    [req.clientKey, req.conversationId, req.since, req.since],
  );
  return row ? toCase(row) : undefined;
}

/** Adds the conversation to the case, with a `joined` event in the case's log; no page (the case had its own). */
export async function joinCase(
  tx: Queryable,
  c: CaseRecord,
  req: { conversationId: string; at: string; risk: string },
): Promise<void> {
  await tx.run("INSERT INTO case_conversations (case_id, conversation_id, joined_at) VALUES (?, ?, ?)", [
    c.id,
    req.conversationId,
    req.at,
  ]);
  // The conversation id is what staff see of a conversation anyway; its token never reaches a staff screen.
  await caseEvent(tx, c.id, "joined", "citizen", req.at, {
    payload: { conversationId: req.conversationId, risk: req.risk },
  });
}

/** The conversations that joined the case, in the order they joined (the case's own one is not among them). */
export async function joinedConversations(
  q: Queryable,
  caseId: string,
): Promise<{ conversationId: string; joinedAt: string }[]> {
  const rows = await q.all<{ conversation_id: string; joined_at: string }>(
    "SELECT conversation_id, joined_at FROM case_conversations WHERE case_id = ? ORDER BY joined_at, conversation_id",
    [caseId],
  );
  return rows.map((r) => ({ conversationId: r.conversation_id, joinedAt: r.joined_at }));
}

/** Every conversation of the case, its own first: where a counselor's words and the case's notices go. */
export async function caseConversations(
  q: Queryable,
  c: Pick<CaseRecord, "id" | "conversationId" | "channel">,
): Promise<{ id: string; channel: Channel }[]> {
  const joined = await q.all<{ id: string; channel: Channel }>(
    `SELECT v.id, v.channel FROM case_conversations j JOIN conversations v ON v.id = j.conversation_id
     WHERE j.case_id = ? ORDER BY j.joined_at, v.id`,
    [c.id],
  );
  return [{ id: c.conversationId, channel: c.channel }, ...joined.filter((j) => j.id !== c.conversationId)];
}

/** How many conversations each case holds (its own and the joined ones), for the queue. */
export async function conversationCounts(
  q: Queryable,
  caseIds: readonly string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>(caseIds.map((id) => [id, 1]));
  for (let i = 0; i < caseIds.length; i += 500) {
    const chunk = caseIds.slice(i, i + 500);
    const rows = await q.all<{ case_id: string; n: number }>(
      `SELECT case_id, COUNT(*) AS n FROM case_conversations WHERE case_id IN (${chunk.map(() => "?").join(", ")})
       GROUP BY case_id`,
      chunk,
    );
    for (const r of rows) out.set(r.case_id, 1 + Number(r.n));
  }
  return out;
}
