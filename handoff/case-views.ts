/**
 * Staff reading cases: the live queue (what a counselor may see), their own closed cases, and one case with its
 * transcripts, its own conversation's and those that joined it (each audited, refused looks included).
 */
import { AppError } from "../core/app-error.js";
import type { StoredEvent } from "../store/conversations.js";
import { recordList, recordView } from "./audit.js";
import type { CaseContext } from "./case-context.js";
import { caseConversations, conversationCounts, joinedConversations } from "./case-joins.js";
import { type CaseRecord, type CaseRow, getCase, OPEN_SQL, openCaseOf, toCase } from "./case-records.js";
import { riskReasonLabel } from "./messages.js";
import type { StaffMember } from "./roster.js";

export function caseViews(ctx: CaseContext) {
  const { db, conversations, now, canSee } = ctx;
  return {
    /** The open cases the viewer may see, each with how many conversations it holds (its own and joined). */
    async queue(viewer: StaffMember): Promise<(CaseRecord & { conversations: number })[]> {
      const rows = await db.all<CaseRow>(
        `SELECT * FROM cases WHERE state IN (${OPEN_SQL}) ORDER BY
           CASE WHEN state IN ('waiting', 'transferred') THEN 0 ELSE 1 END, priority DESC, opened_at ASC`,
      );
      const visible = rows.map(toCase).filter((c) => canSee(viewer, c));
      if (visible.length > 0) await recordList(db, viewer, "list_cases", visible.length, now().toISOString());
      const counts = await conversationCounts(
        db,
        visible.map((c) => c.id),
      );
      return visible.map((c) => ({ ...c, conversations: counts.get(c.id) ?? 1 }));
    },

    /** Ids of every open case, gravest first: for a channel catching up after a restart (no viewer, no audit). */
    async openIds(): Promise<string[]> {
      const rows = await db.all<{ id: string }>(
        `SELECT id FROM cases WHERE state IN (${OPEN_SQL}) ORDER BY priority DESC, opened_at`,
      );
      return rows.map((r) => r.id);
    },

    /** The open case a conversation belongs to, its own or one it joined: for a channel mirroring it (no audit). */
    async openCaseIdOf(conversationId: string): Promise<string | undefined> {
      return (await openCaseOf(db, conversationId))?.id;
    },

    /** Every conversation of the case, its own first: for a channel mirroring them (no audit). */
    async conversationIdsOf(caseId: string): Promise<string[]> {
      const c = await getCase(db, caseId);
      return c ? (await caseConversations(db, c)).map((v) => v.id) : [];
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
      // The conversations that joined the case, each shown beside the case's own and each view audited like it.
      const joined = [];
      for (const j of await joinedConversations(db, c.id)) {
        await recordView(
          db,
          viewer,
          "view_transcript",
          { caseId: c.id, conversationId: j.conversationId },
          now().toISOString(),
        );
        joined.push({ ...j, transcript: staffTranscript(await conversations.events(j.conversationId)) });
      }
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
        transcript: staffTranscript(events),
        joined,
        caseEvents: caseEvents.map((e) => ({ ...e, payload: JSON.parse(e.payload) as unknown })),
        previous: previous.map(toCase),
      };
    },
  };
}

/** Staff read the detector's reasons in plain Chinese, not its codes. */
const staffTranscript = (events: StoredEvent[]): StoredEvent[] =>
  events.map((e) => {
    const p = e.payload as { reasons?: unknown } | null;
    if (e.type !== "understood" || !Array.isArray(p?.reasons)) return e;
    return { ...e, payload: { ...p, reasons: p.reasons.map((r) => riskReasonLabel(String(r))) } };
  });
