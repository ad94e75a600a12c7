import type { HandoffRequest } from "../handoff/port.js";
import type { Button, Reply } from "../handoff/reply.js";
import type { ComplaintDraft, ConversationState } from "../store/conversations.js";
import { COMMANDS } from "./messages.js";

/** What one turn decides; the engine stores it and carries out the actions after commit. */
export interface Decision {
  replies: Reply[];
  state: ConversationState;
  handoff?: HandoffRequest;
  subscribe?: boolean;
  /** The citizen asked for their cases' status: the engine fills the reply from the case store. */
  statusQuery?: { caseNumber?: string };
  /** A confirmed complaint to file (dispatch, deadlines, merge check) in this turn. */
  fileComplaint?: ComplaintDraft;
  /** The citizen's 回访 answer about a closed complaint. */
  followUp?: { complaintId: string; resolved?: boolean; rating?: number; comment?: string };
  /** The citizen's message goes into their open case, for the department that is talking with them. */
  supplement?: { complaintId: string; text: string };
}

export function reply(kind: Reply["kind"], text: string, buttons?: Button[]): Reply {
  return buttons ? { kind, text, buttons } : { kind, text };
}

export const humanButton: Button = { label: COMMANDS.human, payload: COMMANDS.human };
