/**
 * Filing a citizen's confirmed draft (受理, 派单, deadlines) and the merge check: the same citizen on the same matter
 * joins their open case; several citizens on one matter are linked under a lead case (并单), which a supervisor
 * can split.
 */
import { AppError } from "../core/app-error.js";
import type { Channel, ComplaintDraft } from "../store/conversations.js";
import type { Queryable } from "../store/sql.js";
import type { ComplaintContext } from "./complaint-context.js";
import { type ComplaintRow, OPEN } from "./complaint-records.js";
import { chinaDate, deadlinesFor } from "./deadlines.js";
import { complaintMessages as cm } from "./messages.js";
import type { Reply } from "./reply.js";
import type { StaffMember } from "./roster.js";

/** Several citizens, same category and place, this similar, within the window: a possible collective matter. */
export const GROUP_SIMILARITY = 0.3;
export const GROUP_WINDOW_DAYS = 30;
/** How many recent open cases of the same category and place the merge check compares against, at most. */
const GROUP_CANDIDATES = 200;

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

const nextId = async (q: Queryable, at: Date) => {
  const year = chinaDate(at.toISOString()).slice(0, 4);
  // A range on the primary key, not LIKE (case-insensitive, so it cannot use the index): constant time.
  const row = await q.get<{ id: string }>(
    "SELECT id FROM complaints WHERE id >= ? AND id < ? ORDER BY id DESC LIMIT 1",
    [`SW-${year}-`, `SW-${year}-a`],
  );
  return `SW-${year}-${String(row ? Number(row.id.slice(-6)) + 1 : 1).padStart(6, "0")}`;
};

export function filing(ctx: ComplaintContext) {
  const { db, categories, dispatch, calendar, now, dateOf, later, get, event } = ctx;
  return {
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
      const own = await tx.get<ComplaintRow>(
        `SELECT * FROM complaints WHERE citizen = ? AND category = ? AND county IS NOT DISTINCT FROM ? AND league IS NOT DISTINCT FROM ? AND state IN ${OPEN}
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
        Pick<
          ComplaintRow,
          "id" | "group_id" | "signature" | "department_id" | "department_name" | "dispatch_rule"
        >
      >(
        `SELECT id, group_id, signature, department_id, department_name, dispatch_rule FROM complaints
         WHERE category = ? AND county IS NOT DISTINCT FROM ? AND league IS NOT DISTINCT FROM ? AND state IN ${OPEN} AND opened_at >= ?
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
  };
}
