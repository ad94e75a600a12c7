/**
 * The handoff service: crisis and handoff cases, put together from its parts: the engine's port (case-port.ts),
 * staff views (case-views.ts), counselors' actions (case-actions.ts) and escalation (case-escalation.ts), over one
 * shared context (case-context.ts, with paging in case-paging.ts) and the stored record (case-records.ts).
 */
import { caseActions } from "./case-actions.js";
import { createCaseContext, type HandoffDeps } from "./case-context.js";
import { caseEscalation } from "./case-escalation.js";
import { handoffPort } from "./case-port.js";
import { getCase } from "./case-records.js";
import { caseViews } from "./case-views.js";

export function createHandoff(deps: HandoffDeps) {
  const ctx = createCaseContext(deps);
  return {
    port: handoffPort(ctx),
    policy: ctx.policy,
    addPager: ctx.paging.addPager,
    get: (id: string) => getCase(ctx.db, id),
    ...caseViews(ctx),
    ...caseActions(ctx),
    ...caseEscalation(ctx),
  };
}

export type HandoffService = ReturnType<typeof createHandoff>;
