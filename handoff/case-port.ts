/**
 * The engine's side of handoff (handoff/port.ts): opening a case inside the citizen's turn, or joining the open
 * one (the conversation's own, or one its client opened minutes ago: case-joins.ts) and raising its risk; paging
 * once the turn has committed.
 */
import { AppError } from "../core/app-error.js";
import { redactIdNumbers } from "../core/redact.js";
import { isCrisis, isGraver, type RiskLevel } from "../intents/crisis-risk.js";
import type { Queryable } from "../store/sql.js";
import type { CaseContext } from "./case-context.js";
import { joinableCase, joinCase } from "./case-joins.js";
import { STAFF_TOPIC } from "./case-paging.js";
import {
  type CaseRecord,
  caseEvent as event,
  getCase,
  nextCaseId,
  openCaseOf,
  PRIORITY,
} from "./case-records.js";
import type { HandoffOutcome, HandoffPort } from "./port.js";
import { onDuty } from "./roster.js";

export function handoffPort(ctx: CaseContext): HandoffPort {
  const { db, conversations, live, dueAt, paging, joinWindowMs } = ctx;
  const { queuePage, reachable } = paging;

  /** `turn`: the conversation whose turn raised it, which sends the page once the turn has committed. */
  async function raise(tx: Queryable, c: CaseRecord, risk: RiskLevel, at: Date, turn: string) {
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
    await queuePage(tx, raised, "risk_raised", at, c.holderId === null, turn);
  }

  return {
    async request(tx, req): Promise<HandoffOutcome> {
      const at = new Date(req.at);
      let open = await openCaseOf(tx, req.conversationId);
      let joined = false;
      if (
        !open &&
        req.clientKey &&
        (req.reason === "crisis" || req.risk === "high" || req.risk === "imminent")
      ) {
        // A crisis from a client whose crisis case opened minutes ago, in another conversation: the same case.
        open = await joinableCase(tx, {
          clientKey: req.clientKey,
          conversationId: req.conversationId,
          since: new Date(at.getTime() - joinWindowMs).toISOString(),
        });
        if (open) {
          await joinCase(tx, open, { conversationId: req.conversationId, at: req.at, risk: req.risk });
          joined = true;
        }
      }
      if (open) {
        // A graver risk, even from a joined conversation, raises the case and pages as a rise: the danger is new
        // news. It pages once per level at most (high, then imminent), so a flood cannot page per message.
        if (isGraver(req.risk, open.risk)) await raise(tx, open, req.risk, at, req.conversationId);
        if (req.reason === "crisis" && open.kind !== "crisis") {
          await tx.run("UPDATE cases SET kind = 'crisis', subject = ? WHERE id = ?", [req.subject, open.id]);
        }
        // A threat to others outranks harm and self for how the case is answered (110 first): never downgraded.
        const kindRank = { self: 0, harmed: 1, others: 2 } as const;
        const riskKind = req.riskKind ?? "self";
        if (kindRank[riskKind] > kindRank[open.riskKind]) {
          await tx.run("UPDATE cases SET risk_kind = ? WHERE id = ?", [riskKind, open.id]);
        }
        // The same answer the case's own conversation had: who was paged for the case, who can answer now.
        return {
          caseId: open.id,
          created: false,
          paged: open.holderId !== null ? 1 : (await onDuty(tx, at, ["counselor"])).length,
          available: open.holderId !== null ? 1 : await reachable(tx, at),
          ...(joined
            ? { joinedMode: open.holderId !== null ? ("human" as const) : ("waiting" as const) }
            : {}),
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
        `INSERT INTO cases (id, conversation_id, channel, kind, risk, subject, risk_kind, priority, state, first_message, opened_at, escalate_at, updated_at, client_key)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'waiting', ?, ?, ?, ?, ?)`,
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
          req.clientKey ?? null,
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
      paging.forget(req.conversationId);
      const open = await openCaseOf(tx, req.conversationId);
      if (!open) {
        // The case was closed while the conversation still said "waiting": hand it back to the bot.
        await conversations.update(tx, req.conversationId, { mode: "bot" }, req.at);
        return;
      }
      await event(tx, open.id, "citizen_message", "citizen", req.at, { payload: { risk: req.risk } });
      if (isGraver(req.risk, open.risk) && isCrisis(req.risk))
        await raise(tx, open, req.risk, new Date(req.at), req.conversationId);
    },

    afterCommit(conversationId) {
      paging.flush(conversationId);
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
}
