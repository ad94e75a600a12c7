import type { CaseRecord } from "../../../handoff/case-records.js";
import type { StaffMember } from "../../../handoff/roster.js";

/**
 * Mirrors the core's rule (handoff/cases.ts assertHolder) to decide whether to open a modal at all; the core
 * checks again when the action runs, so this is only about not showing a form that would be refused.
 */
export const mayAct = (staff: StaffMember, c: CaseRecord): boolean =>
  c.holderId === staff.id || staff.role === "supervisor" || staff.role === "admin";
