/**
 * The complaint service: the 12345/信访 loop as one case per matter, put together from its parts: filing and
 * merge (complaint-filing.ts), the citizen's side (complaint-follow-up.ts), staff views (complaint-views.ts),
 * department actions (complaint-actions.ts) and supervision (complaint-supervision.ts), over one shared context
 * (complaint-context.ts) and the stored record (complaint-records.ts).
 */
import { departmentActions } from "./complaint-actions.js";
import { type ComplaintDeps, createComplaintContext } from "./complaint-context.js";
import { filing } from "./complaint-filing.js";
import { citizenFollowUp } from "./complaint-follow-up.js";
import { supervision } from "./complaint-supervision.js";
import { staffViews } from "./complaint-views.js";

export function createComplaints(deps: ComplaintDeps) {
  const ctx = createComplaintContext(deps);
  return {
    get: (id: string) => ctx.get(ctx.db, id),
    ...filing(ctx),
    ...citizenFollowUp(ctx),
    ...staffViews(ctx),
    ...departmentActions(ctx),
    afterCommit: ctx.afterCommit,
    ...supervision(ctx),
  };
}

export type ComplaintService = ReturnType<typeof createComplaints>;
