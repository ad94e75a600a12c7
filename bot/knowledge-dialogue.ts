/**
 * Answers from the knowledge base: a confident answer with its citations, a question between two close topics,
 * a referral card to the office that decides, or an honest "not sure" with the nearest questions.
 */
import type { Button } from "../handoff/reply.js";
import type { Understanding } from "../intents/understand.js";
import type { Domain } from "../knowledge/domains.js";
import { mentionsElapsedTime } from "../knowledge/elapsed-time.js";
import type { KnowledgeEntry } from "../knowledge/schema.js";
import type { ConversationState } from "../store/conversations.js";
import { type Decision, humanButton, reply, replying } from "./decision.js";
import { COMMANDS, messages, TOPIC_LABELS } from "./messages.js";

/** What answers and referral cards need besides the understanding: the domains and the offices by place. */
export interface KnowledgeDeps {
  domain(id: string): Domain | undefined;
  /** The citizen's own office of a kind (dispatch catalogue), when the place is known. */
  officeName(kind: string, place: { league?: string; county?: string }): string | undefined;
  /** An entry by id: a short follow-up (在哪申请) is about the last one answered. */
  entry?(id: string): KnowledgeEntry | undefined;
  /** The domains whose own words (工伤, 宅基地, 抚养费) the text names. */
  termsIn?(text: string): string[];
  /** A kind of office in the dispatch catalogue: what it handles and its hotline. */
  officeKind?(kind: string): { label: string; hotline?: string } | undefined;
}

/**
 * The citizen's own office of a kind, by the first place the message names, or else the last one the conversation
 * named (我是达拉特旗的… then 劳动监察大队电话多少); none without a place.
 */
export function officeFor(
  u: Understanding,
  knowledge: KnowledgeDeps | undefined,
  state: ConversationState,
): (kind: string) => string | undefined {
  const place = u.entities.places[0] ?? state.place;
  return (kind) => (place ? knowledge?.officeName(kind, place) : undefined);
}

/** The turn's answer when nothing before it (crisis, a dialogue under way, a command) took the turn. */
export function knowledgeDecision(
  u: Understanding,
  state: ConversationState,
  knowledge: KnowledgeDeps | undefined,
  intent: string | undefined,
): Decision {
  const office = officeFor(u, knowledge, state);
  const limitationOf = (domainId: string) =>
    mentionsElapsedTime(u.normalised.text) ? knowledge?.domain(domainId)?.limitation?.text : undefined;
  if (u.office) {
    const kind = knowledge?.officeKind?.(u.office.kind);
    if (kind) {
      delete state.lastAnswer;
      return replying(
        [
          {
            ...reply("referral", messages.officeContact(kind.label, office(u.office.kind), kind.hotline), [
              humanButton,
            ]),
            office: u.office.kind,
            calls: messages.officeCalls(kind.hotline),
          },
        ],
        state,
      );
    }
  }
  if (u.answer) {
    const e = u.answer.entry;
    state.lastAnswer = { entryId: e.id, domain: e.topic };
    return {
      replies: [
        {
          kind: "answer",
          text: messages.answer(e, office, limitationOf(e.topic)),
          answerId: e.id,
          citations: e.citations,
          buttons: nextSteps(e.complaint ?? knowledge?.domain(e.topic)?.grievance === true),
        },
      ],
      state,
      actions: [],
    };
  }

  // Two topics too close to call: ask, rather than answer the wrong one confidently.
  const second = u.intent.second;
  const labelOf = (id: string) => knowledge?.domain(id)?.label ?? TOPIC_LABELS[id];
  const a = labelOf(u.intent.intent);
  const b = second ? labelOf(second.intent) : undefined;
  // Asked only when both are real candidates: between two long shots the referral or "not sure" serves better.
  if (u.intent.ambiguous && a && b && (second?.confidence ?? 0) >= CLARIFY_FLOOR) {
    delete state.lastAnswer;
    const options = [a, b].map((label) => `${label}方面的问题`);
    state.pendingChoice = options;
    return {
      replies: [
        reply("clarify", messages.clarify(a, b), [
          ...options.map((o) => ({ label: o, payload: o })),
          humanButton,
        ]),
      ],
      state,
      actions: [],
    };
  }

  const domain = u.referral ? knowledge?.domain(u.referral.domain) : undefined;
  if (u.referral && domain) {
    state.lastAnswer = { domain: domain.id };
    return {
      replies: [
        {
          kind: "referral",
          text: messages.referral({
            label: domain.label,
            where: domain.where,
            office: office(domain.office),
            hotline: domain.hotline,
            articles: u.referral.articles,
            limitation: limitationOf(domain.id),
          }),
          referral: {
            domain: domain.id,
            articles: u.referral.articles.map((a) => ({ law: a.law, article: a.label })),
          },
          buttons: nextSteps(u.complaint.recognised || domain.grievance === true),
        },
      ],
      state,
      actions: [],
    };
  }

  // 在哪申请 with no answer before it to be about: ask for the matter rather than guess one.
  if (u.vague) return replying([reply("clarify", messages.whichMatter, [humanButton])], state);

  if (intent === "out_of_scope" && u.intent.confidence >= 0.6) {
    return replying([reply("unsure", messages.outOfScope, [humanButton])], state);
  }

  const closest = u.suggestions.slice(0, 2).map((h) => h.entry);
  // A new question we nearly matched is what a next 在哪申请 would be about, not the answer before it; 好的 or a
  // stray word keeps that answer.
  if (closest.length > 0) delete state.lastAnswer;
  state.pendingChoice = closest.map((e) => e.questions[0] ?? "");
  return {
    replies: [
      reply("unsure", messages.unsure(closest), [
        ...closest.map((e) => ({ label: e.questions[0] ?? "", payload: e.questions[0] ?? "" })),
        humanButton,
      ]),
    ],
    state,
    actions: [],
  };
}

/** Both topics must be at least this likely before the citizen is asked to choose between them. */
const CLARIFY_FLOOR = 0.2;

/** Next steps under an answer: file it when it is a grievance, a person, free legal help. */
function nextSteps(grievance: boolean): Button[] {
  return [
    ...(grievance ? [{ label: COMMANDS.complain, payload: COMMANDS.complain }] : []),
    humanButton,
    { label: "法律援助 12348", payload: "怎么申请法律援助" },
  ];
}
