import { AppError } from "../core/app-error.js";

export type CaseState =
  | "waiting"
  | "claimed"
  | "active"
  | "transferred"
  | "resolved"
  | "closed"
  | "abandoned";
export type CaseAction = "claim" | "start" | "transfer" | "release" | "resolve" | "close" | "abandon";

export const OPEN_STATES: readonly CaseState[] = ["waiting", "claimed", "active", "transferred"];

/**
 * The whole lifecycle in one table, so that what may happen to a case is read in one place:
 * waiting -> claimed -> active -> resolved -> closed, plus transferred (handed to a named colleague) and
 * abandoned (the citizen could not be reached). `release` puts a held case back in the queue.
 */
const TRANSITIONS: Record<CaseState, Partial<Record<CaseAction, CaseState>>> = {
  waiting: { claim: "claimed", abandon: "abandoned", resolve: "resolved" },
  claimed: {
    start: "active",
    transfer: "transferred",
    release: "waiting",
    resolve: "resolved",
    abandon: "abandoned",
  },
  active: { transfer: "transferred", release: "waiting", resolve: "resolved", abandon: "abandoned" },
  transferred: { claim: "claimed", release: "waiting" },
  resolved: { close: "closed" },
  abandoned: { close: "closed" },
  closed: {},
};

export function nextState(from: CaseState, action: CaseAction): CaseState {
  const to = TRANSITIONS[from][action];
  if (!to) throw new AppError("illegal_transition", `个案当前状态为 ${from}，不能执行 ${action}`);
  return to;
}

export const canTransition = (from: CaseState, action: CaseAction): boolean =>
  TRANSITIONS[from][action] !== undefined;

export const isOpen = (s: CaseState): boolean => OPEN_STATES.includes(s);
