import { redactIdNumbers } from "../core/redact.js";
import { complaintMessages } from "../handoff/messages.js";
import type { HandoffRequest } from "../handoff/port.js";
import type { Button, Reply } from "../handoff/reply.js";
import { isCrisis } from "../intents/crisis-risk.js";
import type { Understanding } from "../intents/understand.js";
import type { Domain } from "../knowledge/domains.js";
import { mentionsElapsedTime } from "../knowledge/elapsed-time.js";
import type { ComplaintDraft, Conversation, ConversationState } from "../store/conversations.js";
import { type IntakeDeps, type IntakeOutcome, startDraft, stepIntake } from "./complaint-dialogue.js";
import { COMMANDS, MAIN_BUTTONS, messages, TOPIC_LABELS } from "./messages.js";

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

/** What answers and referral cards need besides the understanding: the domains and the offices by place. */
export interface KnowledgeDeps {
  domain(id: string): Domain | undefined;
  /** The citizen's own office of a kind (dispatch catalogue), when the place is known. */
  officeName(kind: string, place: { league?: string; county?: string }): string | undefined;
}

export interface DialogueContext {
  intake?: IntakeDeps;
  /** The open case whose department replied to this citizen or asked for more. */
  thread?: { id: string; departmentName: string };
  knowledge?: KnowledgeDeps;
  /** Reads a text kept from an earlier turn (a letter the citizen agreed to register). */
  understand?: (text: string) => Understanding;
}

const COMMAND_ALIASES: Record<string, string> = {
  "/start": COMMANDS.start,
  开始: COMMANDS.start,
  菜单: COMMANDS.help,
  "/help": COMMANDS.help,
  帮助: COMMANDS.help,
  "/human": COMMANDS.human,
  人工: COMMANDS.human,
  转人工: COMMANDS.human,
  人工客服: COMMANDS.human,
  "/status": COMMANDS.status,
  查询进度: COMMANDS.status,
  "/subscribe": COMMANDS.subscribe,
  订阅: COMMANDS.subscribe,
  "/unsubscribe": COMMANDS.unsubscribe,
  退订: COMMANDS.unsubscribe,
  取消订阅: COMMANDS.unsubscribe,
  [COMMANDS.policy]: COMMANDS.policy,
  [COMMANDS.support]: COMMANDS.support,
  [COMMANDS.complain]: COMMANDS.complain,
  "/complain": COMMANDS.complain,
  [COMMANDS.acceptCounselor]: COMMANDS.acceptCounselor,
  [COMMANDS.registerComplaint]: COMMANDS.registerComplaint,
  [COMMANDS.declineComplaint]: COMMANDS.declineComplaint,
  [COMMANDS.declineCounselor]: COMMANDS.declineCounselor,
  [COMMANDS.addToCase]: COMMANDS.addToCase,
  [COMMANDS.newQuestion]: COMMANDS.newQuestion,
};

/** Exact commands and button payloads, compared without trailing punctuation and Telegram's @botname suffix. */
export function commandOf(text: string): string | undefined {
  const key = text
    .replace(/@\w+$/, "")
    .replace(/[\s。.!！?？~～]+$/u, "")
    .trim();
  return COMMAND_ALIASES[key] ?? (key.startsWith("查询进度") ? COMMANDS.status : undefined);
}

// Whole short answers only: "好累" is not a yes, and anything with a negation is not a yes.
const END = "[的啊吧呀呢哈嗯]*[。.!！~～]*$";
const YES = new RegExp(`^(好|好的|可以|嗯|要|需要|是|是的|行|联系吧?|麻烦了|麻烦你了|ok|好啊)${END}`, "i");
const NO = new RegExp(`^(不|不用|不要|不需要|算了|没事|暂时不用|不用了)${END}`);

const humanButton: Button = { label: COMMANDS.human, payload: COMMANDS.human };

function reply(kind: Reply["kind"], text: string, buttons?: Button[]): Reply {
  return buttons ? { kind, text, buttons } : { kind, text };
}

const RESOLVED = new RegExp(`^(已解决|解决了|已经解决了?|问题解决了|是|好了|满意)${END}`);
const UNRESOLVED = new RegExp(`^(未解决|没解决|没有解决|还没解决|还没有|否|不满意|没有)${END}`);

export function decide(conv: Conversation, u: Understanding, ctx: DialogueContext = {}): Decision {
  const state: ConversationState = { ...conv.state };
  delete state.pendingChoice;
  const risk = u.risk;
  const atRisk = isCrisis(risk.level) && !risk.reportOnly;

  // 1. Crisis first: the same turn carries the hotlines and pages a counselor, whatever the mode or command.
  if (atRisk) {
    const imminent = risk.level === "imminent";
    // Worded as if a counselor is coming; the engine rewords it once it knows nobody is reachable.
    const text = messages.crisisReply({ kind: risk.kind, subject: risk.subject, imminent, counselor: true });
    // While a human holds the conversation the bot stays silent; the holder is alerted instead. No menu or
    // complaint buttons for a person at risk: only the numbers to call.
    const replies: Reply[] =
      conv.mode === "human" ? [] : [{ kind: "crisis", text, calls: messages.crisisCalls(imminent) }];
    delete state.offeredCounselor;
    delete state.offeredComplaint;
    // No survey to a person in crisis: a pending 回访 is dropped, not asked later.
    delete state.followUp;
    state.handoffReason = "crisis";
    return {
      replies,
      state,
      handoff: { reason: "crisis", risk: risk.level, subject: risk.subject, riskKind: risk.kind },
    };
  }

  // 2. A human holds the conversation: the bot says nothing at all.
  if (conv.mode === "human") return { replies: [], state };

  const command = commandOf(u.normalised.text);

  // 3. Someone waiting for a counselor gets no FAQ answers, only reassurance, until a person takes over.
  if (conv.mode === "waiting" && state.handoffReason !== "human" && command !== COMMANDS.status) {
    return { replies: [reply("handoff", messages.handoffAlready)], state };
  }

  // Commands ("/start") are readable whatever their script; anything else we cannot read, we say so.
  if (!u.readable && !command)
    return { replies: [reply("unreadable", messages.unreadable, [humanButton])], state };

  // 回访 after a closed complaint: read the answer if it is one; anything else goes on as usual.
  if (state.followUp && isCrisis(conv.risk)) delete state.followUp;
  if (state.followUp && !command) {
    const f = state.followUp;
    const t = u.normalised.text;
    if (f.step === "resolved" && (RESOLVED.test(t) || UNRESOLVED.test(t))) {
      const resolved = !UNRESOLVED.test(t);
      state.followUp = resolved ? { ...f, step: "rating" } : undefined;
      if (!resolved) delete state.followUp;
      const text = resolved ? complaintMessages.askRating : complaintMessages.reopened(f.complaintId);
      const stars = ["1", "2", "3", "4", "5"].map((n) => ({ label: `${n} 分`, payload: n }));
      return {
        replies: [reply("rating", text, resolved ? stars : undefined)],
        state,
        followUp: { complaintId: f.complaintId, resolved },
      };
    }
    const rating = /^([1-5])\s*(?:分|星)?[\s，,。:：]*(.*)$/.exec(t);
    if (f.step === "rating" && rating) {
      delete state.followUp;
      return {
        replies: [reply("rating", complaintMessages.ratingThanks)],
        state,
        followUp: {
          complaintId: f.complaintId,
          rating: Number(rating[1]),
          comment: rating[2]?.slice(0, 500) || undefined,
        },
      };
    }
    delete state.followUp;
  }

  // A complaint being taken down: the intake reads every answer until it is filed or cancelled.
  if (state.complaint && ctx.intake && (!command || command === COMMANDS.complain)) {
    return intakeDecision(stepIntake(state.complaint, u, ctx.intake), state);
  }

  // A button from a finished intake pressed again (an old 「确认提交」 or 「取消」 further up the chat): say so, never
  // an FAQ guess.
  if (!state.complaint && STALE_INTAKE_BUTTON.test(u.normalised.text.trim()))
    return {
      replies: [
        reply("complaint", complaintMessages.staleButton, [
          { label: COMMANDS.status, payload: COMMANDS.status },
        ]),
      ],
      state,
    };

  // The citizen answers our offer to register their letter as a 诉求.
  if (state.offeredComplaint !== undefined) {
    const letter = state.offeredComplaint;
    delete state.offeredComplaint;
    const t = u.normalised.text;
    if (
      ctx.intake &&
      ctx.understand &&
      (command === COMMANDS.registerComplaint || (!command && YES.test(t)))
    ) {
      return intakeDecision(stepIntake(startDraft(), ctx.understand(letter), ctx.intake, true), state);
    }
    if (command === COMMANDS.declineComplaint || (!command && NO.test(t)))
      return { replies: [reply("complaint", complaintMessages.offerDeclined)], state };
  }

  // A department is talking with the citizen about their case: what they write goes to it, unless it is plainly a
  // new question (one the knowledge base answers), which is asked about rather than swallowed.
  const pending = state.pendingSupplement;
  delete state.pendingSupplement;
  if (pending && ctx.thread?.id === pending.complaintId) {
    if (command === COMMANDS.addToCase) return supplementDecision(state, ctx.thread, pending.text);
    if (command === COMMANDS.newQuestion && ctx.understand)
      return decide(conv, ctx.understand(pending.text), { ...ctx, thread: undefined });
  }
  if (ctx.thread && !command && u.risk.level === "none" && state.complaint === undefined) {
    if (u.answer && QUESTION.test(u.normalised.text)) {
      state.pendingSupplement = {
        complaintId: ctx.thread.id,
        text: redactIdNumbers(u.normalised.text).slice(0, 2000),
      };
      return {
        replies: [
          reply("complaint", complaintMessages.supplementOrNew(ctx.thread.departmentName, ctx.thread.id), [
            { label: COMMANDS.addToCase, payload: COMMANDS.addToCase },
            { label: COMMANDS.newQuestion, payload: COMMANDS.newQuestion },
          ]),
        ],
        state,
      };
    }
    return supplementDecision(state, ctx.thread, u.normalised.text);
  }

  if (state.offeredCounselor && !command) {
    delete state.offeredCounselor;
    if (YES.test(u.normalised.text)) return acceptCounselor(conv, state);
    if (NO.test(u.normalised.text)) return { replies: [reply("distress", messages.distressDeclined)], state };
  }

  // 4. Distress: support and the offer of a counselor, never an FAQ answer in the same turn. An upset letter about
  // a matter is first a matter: the offer to register it, with the support line beside it.
  if (risk.level === "distress" && !risk.reportOnly && !command) {
    if (ctx.intake && u.complaint.recognised && risk.kind === "self") {
      // Both offers stand: a counselor (yes/no or the button) and registering the matter (its buttons).
      state.offeredCounselor = true;
      return offerRegistration(u, state, ctx.intake, messages.supportLine, [
        { label: COMMANDS.acceptCounselor, payload: COMMANDS.acceptCounselor },
      ]);
    }
    state.offeredCounselor = true;
    const text = risk.kind === "harmed" ? messages.harmed : messages.distress;
    if (risk.kind === "harmed") state.offeredForHarm = true;
    else delete state.offeredForHarm;
    return { replies: [reply("distress", text, messages.distressButtons)], state };
  }

  const intent = u.intent.uncertain ? undefined : u.intent.intent;
  switch (command ?? metaCommand(intent)) {
    case COMMANDS.start:
      return { replies: [reply("menu", messages.welcome, MAIN_BUTTONS)], state };
    case COMMANDS.help:
      return { replies: [reply("menu", messages.help, MAIN_BUTTONS)], state };
    case COMMANDS.policy:
      return { replies: [reply("menu", messages.policyPrompt)], state };
    case COMMANDS.support:
      state.offeredCounselor = true;
      return { replies: [reply("distress", messages.supportPrompt, messages.distressButtons)], state };
    case COMMANDS.acceptCounselor:
      return acceptCounselor(conv, state);
    case COMMANDS.declineCounselor:
      return { replies: [reply("distress", messages.distressDeclined)], state };
    case COMMANDS.human:
      if (conv.mode === "waiting") return { replies: [reply("handoff", messages.handoffAlready)], state };
      state.handoffReason = "human";
      return { replies: [], state, handoff: { reason: "human", risk: risk.level, subject: "self" } };
    case COMMANDS.status:
      return { replies: [], state, statusQuery: { caseNumber: u.entities.caseNumbers[0] } };
    case COMMANDS.complain:
      if (!ctx.intake) break;
      return intakeDecision(stepIntake(startDraft(), u, ctx.intake, true), state);
    case COMMANDS.subscribe:
      return { replies: [], state, subscribe: true };
    case COMMANDS.unsubscribe:
      return { replies: [], state, subscribe: false };
    case "greeting":
      return { replies: [reply("smalltalk", messages.greeting, MAIN_BUTTONS)], state };
    case "thanks":
      return { replies: [reply("smalltalk", messages.thanks)], state };
    case "goodbye":
      return { replies: [reply("smalltalk", messages.goodbye)], state };
  }

  // A letter about a matter: offer to register it. A short question the knowledge base answers is answered.
  if (ctx.intake && u.complaint.recognised && (!u.answer || u.normalised.text.length >= 80))
    return offerRegistration(u, state, ctx.intake);

  const place = u.entities.places[0];
  const office = (kind: string) => (place ? ctx.knowledge?.officeName(kind, place) : undefined);
  const limitationOf = (domainId: string) =>
    mentionsElapsedTime(u.normalised.text) ? ctx.knowledge?.domain(domainId)?.limitation?.text : undefined;
  if (u.answer) {
    const e = u.answer.entry;
    return {
      replies: [
        {
          kind: "answer",
          text: messages.answer(e, office, limitationOf(e.topic)),
          answerId: e.id,
          citations: e.citations,
          buttons: nextSteps(e.complaint ?? ctx.knowledge?.domain(e.topic)?.grievance === true),
        },
      ],
      state,
    };
  }

  // Two topics too close to call: ask, rather than answer the wrong one confidently.
  const second = u.intent.second;
  const labelOf = (id: string) => ctx.knowledge?.domain(id)?.label ?? TOPIC_LABELS[id];
  const a = labelOf(u.intent.intent);
  const b = second ? labelOf(second.intent) : undefined;
  // Asked only when both are real candidates: between two long shots the referral or "not sure" serves better.
  if (u.intent.ambiguous && a && b && (second?.confidence ?? 0) >= CLARIFY_FLOOR) {
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
    };
  }

  const domain = u.referral ? ctx.knowledge?.domain(u.referral.domain) : undefined;
  if (u.referral && domain) {
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
    };
  }

  if (intent === "out_of_scope" && u.intent.confidence >= 0.6) {
    return { replies: [reply("unsure", messages.outOfScope, [humanButton])], state };
  }

  const closest = u.suggestions.slice(0, 2).map((h) => h.entry);
  state.pendingChoice = closest.map((e) => e.questions[0] ?? "");
  return {
    replies: [
      reply("unsure", messages.unsure(closest), [
        ...closest.map((e) => ({ label: e.questions[0] ?? "", payload: e.questions[0] ?? "" })),
        humanButton,
      ]),
    ],
    state,
  };
}

const STALE_INTAKE_BUTTON = /^(确认提交|修改地点|修改诉求|修改类别)$/;

/** A question rather than a statement: what the department asked for is usually given as statements. */
const QUESTION = /[?？]|吗|怎么|如何|多久|多少|能不能|可不可以|是不是|什么|哪里|哪儿|为啥|为什么|咋/;

function supplementDecision(
  state: ConversationState,
  thread: { id: string; departmentName: string },
  text: string,
): Decision {
  return {
    replies: [reply("complaint", complaintMessages.supplemented(thread.departmentName, thread.id))],
    state,
    supplement: { complaintId: thread.id, text },
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

function offerRegistration(
  u: Understanding,
  state: ConversationState,
  intake: IntakeDeps,
  extra?: string,
  extraButtons: Button[] = [],
): Decision {
  // Kept for the intake if the citizen says yes; ID numbers never stored.
  state.offeredComplaint = redactIdNumbers(u.normalised.text).slice(0, 4000);
  const best = intake.infer(u.normalised.text, u.intent.uncertain ? undefined : u.intent.intent)[0];
  const label = intake.categories.find((c) => c.id === best?.id)?.label;
  const place = u.entities.places[0];
  const where = place ? [place.league, place.county].filter(Boolean).join("") : undefined;
  const text = complaintMessages.offerRegister(label, where) + (extra ? `\n${extra}` : "");
  return {
    replies: [
      reply("complaint", text, [
        { label: COMMANDS.registerComplaint, payload: COMMANDS.registerComplaint },
        { label: COMMANDS.declineComplaint, payload: COMMANDS.declineComplaint },
        ...extraButtons,
      ]),
    ],
    state,
  };
}

function intakeDecision(outcome: IntakeOutcome, state: ConversationState): Decision {
  if (outcome.kind === "cancelled") {
    delete state.complaint;
    return { replies: outcome.replies, state };
  }
  if (outcome.kind === "file") {
    delete state.complaint;
    return { replies: outcome.replies, state, fileComplaint: outcome.draft };
  }
  state.complaint = outcome.draft;
  return { replies: outcome.replies, state };
}

function acceptCounselor(conv: Conversation, state: ConversationState): Decision {
  if (conv.mode === "waiting") return { replies: [reply("handoff", messages.handoffAlready)], state };
  state.handoffReason = "distress";
  delete state.offeredComplaint;
  const riskKind = state.offeredForHarm ? "harmed" : "self";
  delete state.offeredForHarm;
  return { replies: [], state, handoff: { reason: "distress", risk: "distress", subject: "self", riskKind } };
}

function metaCommand(intent: string | undefined): string | undefined {
  switch (intent) {
    case "ask_human":
      return COMMANDS.human;
    case "case_status":
      return COMMANDS.status;
    case "complaint":
      return COMMANDS.complain;
    case "subscribe":
      return COMMANDS.subscribe;
    case "unsubscribe":
      return COMMANDS.unsubscribe;
    case "help":
      return COMMANDS.help;
    default:
      return intent;
  }
}
