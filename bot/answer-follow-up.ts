/**
 * A short follow-up about the answer just given (在哪申请, 电话多少, 要带啥材料, 多久能办下来). It names no topic
 * of its own, so read alone it is answered from whatever entry its few words happen to match: 在哪申请 after the
 * answer on wolves killing a herd had been answered with the entry on education assistance. It is about the last
 * answer or referral card: where to go for that, and how to ask about the rest.
 */
import type { Understanding } from "../intents/understand.js";
import { asksWhere } from "../intents/vague-question.js";
import { askedSentence } from "../knowledge/answer-passage.js";
import type { ConversationState } from "../store/conversations.js";
import { type Decision, humanButton, reply } from "./decision.js";
import { type KnowledgeDeps, officeFor } from "./knowledge-dialogue.js";
import { contactLines, messages, referralContacts } from "./messages.js";

export function answerFollowUpDecision(
  u: Understanding,
  state: ConversationState,
  knowledge: KnowledgeDeps | undefined,
  /** Already read as about the last answer (context-follow-up.ts), though it names more than the asking. */
  aboutLast = false,
): Decision | undefined {
  const last = state.lastAnswer;
  if (!last || !knowledge) return undefined;
  // Read with the places taken out (我在锡林浩特，去哪办): a place names the office, not a new matter.
  if (!u.vague && !aboutLast) return undefined;
  const asks = asksWhere(u.normalised.text) ? "where" : "how";
  const office = officeFor(u, knowledge, state);
  const entry = last.entryId ? knowledge.entry?.(last.entryId) : undefined;
  const domain = knowledge.domain(last.domain);
  let topic: string;
  let contacts: string[];
  if (entry) {
    topic = entry.title ?? entry.questions[0] ?? "";
    contacts = contactLines(entry, office);
  } else if (domain) {
    topic = `${domain.label}方面的问题`;
    contacts = referralContacts(domain.where, office(domain.office), domain.hotline);
  } else return undefined;
  const again = entry?.questions[0];
  // 都过了一年了呢 after the answer on the time limit: the sentence that says 1年内, not "the answer says it".
  const quoted = entry ? askedSentence(entry.answer, u.normalised.text) : undefined;
  return {
    replies: [
      reply(
        "answer",
        asks === "where"
          ? messages.followUpWhere(topic, contacts)
          : quoted
            ? messages.followUpQuoted(topic, quoted, contacts)
            : messages.followUpHow(topic, contacts),
        [...(again ? [{ label: messages.showAnswerAgain, payload: again }] : []), humanButton],
      ),
    ],
    state,
    actions: [],
  };
}
