/** The 回访 after a closed complaint: was it resolved, then a rating from 1 to 5. */
import { complaintMessages } from "../handoff/messages.js";
import type { ConversationState } from "../store/conversations.js";
import { type Decision, reply } from "./decision.js";
import { FOLLOW_UP_RESOLVED, FOLLOW_UP_UNRESOLVED } from "./short-answers.js";

/**
 * Reads the citizen's message `t` as the answer to the pending 回访 question `f`. Anything else is no answer:
 * the 回访 is dropped from `state` and the turn goes on as usual (undefined).
 */
export function followUpDecision(
  state: ConversationState,
  f: NonNullable<ConversationState["followUp"]>,
  t: string,
): Decision | undefined {
  if (f.step === "resolved" && (FOLLOW_UP_RESOLVED.test(t) || FOLLOW_UP_UNRESOLVED.test(t))) {
    const resolved = !FOLLOW_UP_UNRESOLVED.test(t);
    state.followUp = resolved ? { ...f, step: "rating" } : undefined;
    if (!resolved) delete state.followUp;
    const text = resolved ? complaintMessages.askRating : complaintMessages.reopened(f.complaintId);
    const stars = ["1", "2", "3", "4", "5"].map((n) => ({ label: `${n} 分`, payload: n }));
    return {
      replies: [reply("rating", text, resolved ? stars : undefined)],
      state,
      actions: [{ kind: "followUp", complaintId: f.complaintId, resolved }],
    };
  }
  const rating = /^([1-5])\s*(?:分|星)?[\s，,。:：]*(.*)$/.exec(t);
  if (f.step === "rating" && rating) {
    delete state.followUp;
    return {
      replies: [reply("rating", complaintMessages.ratingThanks)],
      state,
      actions: [
        {
          kind: "followUp",
          complaintId: f.complaintId,
          rating: Number(rating[1]),
          comment: rating[2]?.slice(0, 500) || undefined,
        },
      ],
    };
  }
  delete state.followUp;
  return undefined;
}
