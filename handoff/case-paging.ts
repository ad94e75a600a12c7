/**
 * Paging staff about a case: decided inside the citizen's (or the sweeper's) transaction, sent to every console
 * and to the pagers (Slack) only once it has committed; and who can answer now.
 */
import type { LiveHub } from "../core/live-hub.js";
import type { Logger } from "../core/logger.js";
import type { RiskLevel } from "../intents/crisis-risk.js";
import type { Db } from "../store/db.js";
import type { Queryable } from "../store/sql.js";
import { type CaseRecord, caseEvent as event, getCase } from "./case-records.js";
import type { Presence } from "./presence.js";
import { onDuty, type StaffMember, toStaff } from "./roster.js";

export const STAFF_TOPIC = "staff";

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

export type Paging = ReturnType<typeof createPaging>;

export function createPaging(deps: {
  db: Db;
  live: LiveHub;
  logger: Logger;
  pagers?: Pager[];
  presence?: Presence;
}) {
  const { db, live, logger } = deps;
  const pagers = [...(deps.pagers ?? [])];
  /** Pages decided inside a transaction, sent only once it has committed. */
  const pending = new Map<string, PageNotice[]>();

  const queuePage = async (
    q: Queryable,
    c: CaseRecord,
    reason: PageNotice["reason"],
    at: Date,
    withSupervisors: boolean,
    /** The conversation whose turn decided the page and flushes it after commit (a joined one, say). */
    turn: string = c.conversationId,
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
    const list = pending.get(turn) ?? [];
    list.push({ caseId: c.id, reason, risk: c.risk, to });
    pending.set(turn, list);
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

  /** A transfer pages the named colleague only. */
  const queueTransfer = (c: CaseRecord, to: StaffMember) => {
    const list = pending.get(c.conversationId) ?? [];
    list.push({ caseId: c.id, reason: "transfer", risk: c.risk, to: [to] });
    pending.set(c.conversationId, list);
  };

  return {
    queuePage,
    queueTransfer,
    /** Forgets what a turn queued so far: the turn starts its list of pages afresh. */
    forget: (conversationId: string) => pending.delete(conversationId),
    flush,
    reachable,
    /** Channels that page staff besides the console (Slack) register here once they are running. */
    addPager(pager: Pager) {
      pagers.push(pager);
    },
  };
}
