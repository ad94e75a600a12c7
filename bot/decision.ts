import type { HandoffRequest } from "../handoff/port.js";
import type { Button, Reply } from "../handoff/reply.js";
import type { ComplaintDraft, ConversationState } from "../store/conversations.js";
import { COMMANDS } from "./messages.js";

/** What a citizen asks of their 普法 subscriptions (bot/subscription-dialogue.ts reads it). */
export type SubscriptionOp =
  | { op: "menu" }
  | { op: "subscribe"; topics: string[] }
  | { op: "unsubscribe"; topics?: string[] }
  | { op: "place"; place: { league?: string; county?: string } }
  /** 「订阅地区」 alone: the engine asks, with the 盟市 as buttons. */
  | { op: "askPlace" };

/** Something the turn does besides replying; the engine (bot/engine.ts) carries each out. */
export type Action =
  /** A person should reach a human: a case is opened (or joined) and staff are paged after commit. */
  | { kind: "handoff"; request: HandoffRequest }
  /** A change to (or a look at) the citizen's 普法 subscriptions; the engine words the reply from what they have. */
  | ({ kind: "subscription" } & SubscriptionOp)
  /** 「了解更多」 under a campaign message: counted, and answered with what the campaign attached. */
  | { kind: "campaignMore"; campaignId: number }
  /** The citizen asked for their cases' status: the engine fills the reply from the case stores. */
  | { kind: "statusQuery"; caseNumber?: string; phoneTail?: string }
  /** A confirmed complaint to file (dispatch, deadlines, merge check) in this turn. */
  | { kind: "fileComplaint"; draft: ComplaintDraft }
  /** The citizen's 回访 answer about a closed complaint. */
  | { kind: "followUp"; complaintId: string; resolved?: boolean; rating?: number; comment?: string }
  /** The citizen's message goes into their open case, for the department that is talking with them. */
  | { kind: "supplement"; complaintId: string; text: string };

/** What one turn decides: the replies, the conversation's next state, and the actions for the engine. */
export interface Decision {
  replies: Reply[];
  state: ConversationState;
  actions: Action[];
}

/** A decision that only replies. */
export const replying = (replies: Reply[], state: ConversationState): Decision => ({
  replies,
  state,
  actions: [],
});

export function reply(kind: Reply["kind"], text: string, buttons?: Button[]): Reply {
  return buttons ? { kind, text, buttons } : { kind, text };
}

export const humanButton: Button = { label: COMMANDS.human, payload: COMMANDS.human };
