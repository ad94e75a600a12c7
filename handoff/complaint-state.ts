import { AppError } from "../core/app-error.js";
import { COMPLAINT_STATE_LABELS, type ComplaintState } from "./complaint-records.js";

/** What can happen to a complaint, by whom: departments, supervisors and the citizen's own answers. */
export type ComplaintAction =
  | "accept"
  | "reply"
  | "requestInfo"
  | "return"
  | "redispatch"
  | "extend"
  | "close"
  | "citizenAdded"
  | "citizenUnresolved";

/**
 * The whole lifecycle in one table, like the case table (handoff/case-state.ts):
 * dispatched -> accepted -> closed, with awaiting_info while the department waits for the citizen's material,
 * returned when a department sends a wrongly dispatched case back (a supervisor re-dispatches it), and a closed case
 * going back to returned when the citizen says at 回访 that it was not solved. Actions that keep the state (a reply,
 * an extension) are listed too, so every change of a complaint is checked here.
 */
const TRANSITIONS: Record<ComplaintState, Partial<Record<ComplaintAction, ComplaintState>>> = {
  dispatched: {
    accept: "accepted",
    return: "returned",
    redispatch: "dispatched",
    citizenAdded: "dispatched",
  },
  accepted: {
    reply: "accepted",
    requestInfo: "awaiting_info",
    return: "returned",
    redispatch: "dispatched",
    extend: "accepted",
    close: "closed",
    citizenAdded: "accepted",
  },
  awaiting_info: {
    reply: "accepted",
    requestInfo: "awaiting_info",
    extend: "awaiting_info",
    close: "closed",
    citizenAdded: "accepted",
  },
  returned: { redispatch: "dispatched", citizenAdded: "returned" },
  closed: { citizenUnresolved: "returned" },
};

export function nextComplaintState(from: ComplaintState, action: ComplaintAction): ComplaintState {
  const to = TRANSITIONS[from][action];
  if (!to)
    throw new AppError(
      "illegal_transition",
      `诉求当前状态为「${COMPLAINT_STATE_LABELS[from]}」，不能这样操作`,
    );
  return to;
}

export const canComplaint = (from: ComplaintState, action: ComplaintAction): boolean =>
  TRANSITIONS[from][action] !== undefined;
