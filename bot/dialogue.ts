/**
 * The bot's policy for one turn, in order: crisis first (whatever the mode or command); silence while a human
 * holds the conversation; a dialogue under way (回访, a complaint intake, an offer, a department's thread); distress;
 * commands; the offer to register a letter as a 诉求; then answers from the knowledge base (knowledge-dialogue.ts).
 * Pure: it reads the conversation and the understanding and returns a Decision for the engine to carry out.
 */
import { MORE_PATTERN } from "../campaigns/render.js";
import { redactIdNumbers } from "../core/redact.js";
import { complaintMessages } from "../handoff/messages.js";
import type { Button, Reply } from "../handoff/reply.js";
import { asksWhatLawAllows } from "../intents/complaint-recognizer.js";
import { isCrisis } from "../intents/crisis-risk.js";
import { placeName } from "../intents/places.js";
import type { Understanding } from "../intents/understand.js";
import type { Conversation, ConversationState } from "../store/conversations.js";
import { answerFollowUpDecision } from "./answer-follow-up.js";
import { commandOf, metaCommand } from "./commands.js";
import { type IntakeDeps, type IntakeOutcome, startDraft, stepIntake } from "./complaint-dialogue.js";
import { contextFollowUp } from "./context-follow-up.js";
import { type Action, type Decision, humanButton, reply, replying } from "./decision.js";
import { followUpDecision } from "./follow-up-dialogue.js";
import { type KnowledgeDeps, knowledgeDecision } from "./knowledge-dialogue.js";
import { COMMANDS, MAIN_BUTTONS, messages } from "./messages.js";
import { ACKNOWLEDGED, OFFER_NO, OFFER_YES } from "./short-answers.js";
import { placeAnswerDecision, subscriptionDecision } from "./subscription-dialogue.js";

export interface DialogueContext {
  intake?: IntakeDeps;
  /** The open case whose department replied to this citizen or asked for more. */
  thread?: { id: string; departmentName: string };
  knowledge?: KnowledgeDeps;
  /** Reads a text kept from an earlier turn (a letter the citizen agreed to register). */
  understand?: (text: string) => Understanding;
}

/** The turn as if said calmly; its first reply opened by one sentence that hears the anger. */
function servedCalmly(conv: Conversation, u: Understanding, ctx: DialogueContext): Decision {
  const { contempt, ...calm } = u.risk;
  const served = decide(conv, { ...u, risk: { ...calm, level: "none", kind: "self" } }, ctx);
  const [first, ...rest] = served.replies;
  if (contempt === "bare" || !first || first.kind === "unsure" || first.kind === "unreadable") {
    const state: ConversationState = { ...conv.state };
    delete state.pendingChoice;
    return replying([reply("smalltalk", messages.anger, [humanButton])], state);
  }
  return { ...served, replies: [{ ...first, text: `${messages.angerNoted}\n${first.text}` }, ...rest] };
}

/** 「查询进度 SW-2026-000123 1234」: the case number, and four digits besides it (a phone's last four). */
function statusQuery(u: Understanding): Action {
  const caseNumber = u.entities.caseNumbers[0];
  const rest = caseNumber ? u.normalised.text.replace(caseNumber, " ") : "";
  const phoneTail = caseNumber ? /(?<![\d-])(\d{4})(?!\d)/.exec(rest)?.[1] : undefined;
  return { kind: "statusQuery", ...(caseNumber ? { caseNumber } : {}), ...(phoneTail ? { phoneTail } : {}) };
}

export function decide(conv: Conversation, u: Understanding, ctx: DialogueContext = {}): Decision {
  const state: ConversationState = { ...conv.state };
  delete state.pendingChoice;
  const risk = u.risk;
  const atRisk = isCrisis(risk.level) && !risk.reportOnly;

  // 1. Crisis first: the same turn carries the hotlines and pages a counselor, whatever the mode or command.
  if (atRisk) {
    const imminent = risk.level === "imminent";
    // Worded as if a counselor is coming; the engine rewords it once it knows nobody is reachable.
    const text = messages.crisisReply({
      kind: risk.kind,
      subject: risk.subject,
      imminent,
      counselor: true,
      ...(risk.harmSetting ? { harmSetting: risk.harmSetting } : {}),
    });
    // While a human holds the conversation the bot stays silent; the holder is alerted instead. No menu or
    // complaint buttons for a person at risk: only the numbers to call.
    const replies: Reply[] =
      conv.mode === "human" ? [] : [{ kind: "crisis", text, calls: messages.crisisCalls(imminent) }];
    delete state.offeredCounselor;
    delete state.offeredComplaint;
    delete state.offeredComplaintByButton;
    delete state.lastAnswer;
    // No survey to a person in crisis: a pending 回访 is dropped, not asked later.
    delete state.followUp;
    state.handoffReason = "crisis";
    return {
      replies,
      state,
      actions: [
        {
          kind: "handoff",
          request: { reason: "crisis", risk: risk.level, subject: risk.subject, riskKind: risk.kind },
        },
      ],
    };
  }

  // 2. A human holds the conversation: the bot says nothing at all.
  if (conv.mode === "human") return replying([], state);

  // The place a citizen names is remembered: later answers name their own offices without asking again.
  const named = u.entities.places[0];
  if (named) state.place = { league: named.league, ...(named.county ? { county: named.county } : {}) };

  // Contempt and nothing else read in it (废物客服, 你们民政的人都是吃干饭的，我的低保呢): the matter is still served,
  // after one calm sentence; a message with nothing to act on gets that anger acknowledged and the ways on.
  if (risk.contempt && risk.level === "distress" && !risk.reportOnly) return servedCalmly(conv, u, ctx);

  const command = commandOf(u.normalised.text);

  // 3. Someone waiting for a counselor gets no FAQ answers, only reassurance, until a person takes over.
  if (conv.mode === "waiting" && state.handoffReason !== "human" && command !== COMMANDS.status) {
    return replying([reply("handoff", messages.handoffAlready)], state);
  }

  // Commands ("/start") are readable whatever their script; anything else we cannot read, we say so.
  if (!u.readable && !command)
    return replying([reply("unreadable", messages.unreadable, [humanButton])], state);

  // 回访 after a closed complaint: read the answer if it is one; anything else goes on as usual.
  if (state.followUp && isCrisis(conv.risk)) delete state.followUp;
  if (state.followUp && !command) {
    const answered = followUpDecision(state, state.followUp, u.normalised.text);
    if (answered) return answered;
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
      actions: [],
    };

  // The citizen answers our offer to register their letter as a 诉求.
  if (state.offeredComplaint !== undefined) {
    const letter = state.offeredComplaint;
    const byButton = state.offeredComplaintByButton === true;
    delete state.offeredComplaint;
    delete state.offeredComplaintByButton;
    const t = u.normalised.text;
    if (
      ctx.intake &&
      ctx.understand &&
      (command === COMMANDS.registerComplaint || (!command && !byButton && OFFER_YES.test(t)))
    ) {
      return intakeDecision(
        stepIntake(startDraft(state.place), ctx.understand(letter), ctx.intake, true),
        state,
      );
    }
    if (command === COMMANDS.declineComplaint || (!command && !byButton && OFFER_NO.test(t)))
      return replying([reply("complaint", complaintMessages.offerDeclined)], state);
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
        actions: [],
      };
    }
    return supplementDecision(state, ctx.thread, u.normalised.text);
  }

  if (state.offeredCounselor && !command) {
    delete state.offeredCounselor;
    if (OFFER_YES.test(u.normalised.text)) return acceptCounselor(conv, state);
    if (OFFER_NO.test(u.normalised.text))
      return replying([reply("distress", messages.distressDeclined)], state);
  }

  // 4. Distress: support and the offer of a counselor, never an FAQ answer in the same turn. An upset letter about
  // a matter is first a matter: the offer to register it, with the support line beside it.
  if (risk.level === "distress" && !risk.reportOnly && !command) {
    // 都过了一年了呢 right after an answer: a follow-up the model alone read as distress.
    const leaning = leaningDecision(u, state, ctx);
    if (leaning) return leaning;
    if (ctx.intake && u.complaint.recognised && risk.kind !== "others") {
      // Both offers stand: a counselor (yes/no or the button) and registering the matter (its buttons). A letter
      // that tells of being pushed or threatened by the other side is still a matter first, with 110 beside it.
      state.offeredCounselor = true;
      const line = risk.kind === "harmed" ? messages.harmedSupportLine : messages.supportLine;
      const counselor = [{ label: COMMANDS.acceptCounselor, payload: COMMANDS.acceptCounselor }];
      const answered = u.complaint.consultation
        ? answerStory(u, state, ctx.knowledge, line, counselor)
        : undefined;
      return answered ?? offerRegistration(u, state, ctx.intake, line, counselor);
    }
    // Someone hurt who asks what the law allows (被人造谣能报警吗, 保护令在哪申请): the answer or referral card, with
    // the safety line and a counselor offered beside it rather than instead of it.
    if (risk.kind === "harmed" && asksWhatLawAllows(u.normalised.text)) {
      const answered = answeredWhileHurt(u, state, ctx.knowledge);
      if (answered) return answered;
    }
    state.offeredCounselor = true;
    const text =
      risk.kind === "harmed"
        ? messages.harmed(risk.harmSetting)
        : risk.kind === "others"
          ? risk.reasons.includes("lexicon:berating")
            ? messages.temper
            : messages.hostility
          : risk.reasons.some((r) => r.startsWith("bereaved:"))
            ? messages.grief
            : risk.reasons.some((r) => r === "consoling" || r.startsWith("consoling:"))
              ? messages.worried
              : messages.distress;
    delete state.offeredForHarm;
    if (risk.kind === "self") delete state.offeredFor;
    else state.offeredFor = risk.kind;
    return replying([reply("distress", text, messages.distressButtons)], state);
  }

  const more = MORE_PATTERN.exec(u.normalised.text.trim());
  if (more) return { replies: [], state, actions: [{ kind: "campaignMore", campaignId: Number(more[1]) }] };

  // 「订阅 劳动」「退订 反诈」「订阅地区 包头市」, and the answer to the 盟市 question asked after a first subscription.
  const subscription = command
    ? undefined
    : (subscriptionDecision(u, state) ?? placeAnswerDecision(u, state));
  if (subscription) return subscription;
  delete state.subscriptionPlace;

  // 好的 after an answer, with no offer open: taken as said, not searched as a question.
  if (!command && ACKNOWLEDGED.test(u.normalised.text))
    return replying([reply("smalltalk", messages.acknowledged)], state);

  // 我在包头市青山区 and nothing else: where the citizen is, remembered for the offices named later, not a question.
  if (!command && state.place && namesOnlyAPlace(u)) {
    return replying([reply("smalltalk", messages.placeNoted(placeName(state.place)))], state);
  }

  // 在哪申请, 要带啥材料 right after an answer: about that answer, not a new question of four characters.
  const followUp = command ? undefined : answerFollowUpDecision(u, state, ctx.knowledge);
  if (followUp) return followUp;

  const intent = u.intent.uncertain ? undefined : u.intent.intent;
  switch (command ?? metaCommand(intent)) {
    case COMMANDS.start:
      return replying([reply("menu", messages.welcome, MAIN_BUTTONS)], state);
    case COMMANDS.help:
      return replying([reply("menu", messages.help, MAIN_BUTTONS)], state);
    case COMMANDS.policy:
      return replying([reply("menu", messages.policyPrompt)], state);
    case COMMANDS.support:
      state.offeredCounselor = true;
      return replying([reply("distress", messages.supportPrompt, messages.distressButtons)], state);
    case COMMANDS.acceptCounselor:
      return acceptCounselor(conv, state);
    case COMMANDS.declineCounselor:
      return replying([reply("distress", messages.distressDeclined)], state);
    case COMMANDS.human:
      if (conv.mode === "waiting") return replying([reply("handoff", messages.handoffAlready)], state);
      state.handoffReason = "human";
      return {
        replies: [],
        state,
        actions: [{ kind: "handoff", request: { reason: "human", risk: risk.level, subject: "self" } }],
      };
    case COMMANDS.status:
      return {
        replies: [],
        state,
        actions: [statusQuery(u)],
      };
    case COMMANDS.complain:
      if (!ctx.intake) break;
      return intakeDecision(stepIntake(startDraft(state.place), u, ctx.intake, true), state);
    case COMMANDS.subscribe:
      return { replies: [], state, actions: [{ kind: "subscription", op: "menu" }] };
    case COMMANDS.unsubscribe:
      return { replies: [], state, actions: [{ kind: "subscription", op: "unsubscribe" }] };
    case "greeting":
      return replying([reply("smalltalk", messages.greeting, MAIN_BUTTONS)], state);
    case "thanks":
      return replying([reply("smalltalk", messages.thanks)], state);
    case "goodbye":
      return replying([reply("smalltalk", messages.goodbye)], state);
  }

  // A letter about a matter: offer to register it. A short question the knowledge base answers is answered, and
  // so is a long story told to ask what the law allows, when we have an answer or a referral for it: registering
  // stays one button away, with the story kept for the intake.
  if (ctx.intake && u.complaint.recognised) {
    // A story that asks what the law allows is answered whatever its length, with 登记诉求 beside the answer.
    const answered = u.complaint.consultation ? answerStory(u, state, ctx.knowledge) : undefined;
    if (answered) return answered;
    if (!u.answer || u.normalised.text.length >= 80) return offerRegistration(u, state, ctx.intake);
  }

  // 他不给怎么办 right after the answer on child support: about that matter, read with it.
  const leaning = leaningDecision(u, state, ctx);
  if (leaning) return leaning;

  return knowledgeDecision(u, state, ctx.knowledge, intent);
}

/** A short question read with the matter of the answer before it (context-follow-up.ts). */
function leaningDecision(
  u: Understanding,
  state: ConversationState,
  ctx: DialogueContext,
): Decision | undefined {
  const leaning = contextFollowUp(u, state, ctx.knowledge, ctx.understand);
  if (leaning?.kind === "reread") {
    const again = leaning.understanding;
    return knowledgeDecision(again, state, ctx.knowledge, again.answer?.entry.topic);
  }
  return leaning?.kind === "same" ? answerFollowUpDecision(u, state, ctx.knowledge, true) : undefined;
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
    actions: [{ kind: "supplement", complaintId: thread.id, text }],
  };
}

/**
 * The knowledge base's answer or referral card for the message, as the first reply; undefined when it has neither
 * (a "which topic?" question is no answer to build on).
 */
function answerOrReferral(
  u: Understanding,
  state: ConversationState,
  knowledge: DialogueContext["knowledge"],
): Decision | undefined {
  if (!u.answer && !u.referral) return undefined;
  const decision = knowledgeDecision(u, state, knowledge, u.intent.uncertain ? undefined : u.intent.intent);
  const first = decision.replies[0];
  if (first && (first.kind === "answer" || first.kind === "referral")) return decision;
  delete state.pendingChoice;
  return undefined;
}

/**
 * A story told to ask what the law allows: the answer or referral card, with 登记诉求 as a button that starts the
 * intake from the story (kept for it, accepted by the button only), and a support line beside it when the story
 * tells of distress or of being hurt. Undefined when we have neither an answer nor a referral for it (a "which
 * topic?" question would leave the matter behind): the caller offers registration instead.
 */
function answerStory(
  u: Understanding,
  state: ConversationState,
  knowledge: DialogueContext["knowledge"],
  extra?: string,
  extraButtons: Button[] = [],
): Decision | undefined {
  const decision = answerOrReferral(u, state, knowledge);
  const first = decision?.replies[0];
  if (!decision || !first) return undefined;
  state.offeredComplaint = redactIdNumbers(u.normalised.text).slice(0, 4000);
  state.offeredComplaintByButton = true;
  if (extra) first.text = `${first.text}\n\n${extra}`;
  first.buttons = [
    { label: COMMANDS.registerComplaint, payload: COMMANDS.registerComplaint },
    ...extraButtons,
    ...(first.buttons ?? []).filter((b) => b.payload !== COMMANDS.complain),
  ];
  return decision;
}

function answeredWhileHurt(
  u: Understanding,
  state: ConversationState,
  knowledge: DialogueContext["knowledge"],
): Decision | undefined {
  const decision = answerOrReferral(u, state, knowledge);
  const first = decision?.replies[0];
  if (!decision || !first) return undefined;
  state.offeredCounselor = true;
  state.offeredFor = "harmed";
  delete state.offeredForHarm;
  // 12338 and the protection order once: many family entries name them already.
  const domestic = u.risk.harmSetting === "family" && !first.text.includes("12338");
  first.text = `${first.text}\n\n${messages.harmedSupportLine}${domestic ? messages.domesticLine : ""}`;
  first.buttons = [
    { label: COMMANDS.acceptCounselor, payload: COMMANDS.acceptCounselor },
    ...(first.buttons ?? []).filter((b) => b.payload !== COMMANDS.complain),
  ];
  return decision;
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
  delete state.offeredComplaintByButton;
  const best = intake.infer(u.normalised.text, u.intent.uncertain ? undefined : u.intent.intent)[0];
  const label = intake.categories.find((c) => c.id === best?.id)?.label;
  const place = u.entities.places[0];
  const where = place ? placeName(place) : undefined;
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
    actions: [],
  };
}

function intakeDecision(outcome: IntakeOutcome, state: ConversationState): Decision {
  if (outcome.kind === "cancelled") {
    delete state.complaint;
    return replying(outcome.replies, state);
  }
  if (outcome.kind === "file") {
    delete state.complaint;
    return { replies: outcome.replies, state, actions: [{ kind: "fileComplaint", draft: outcome.draft }] };
  }
  state.complaint = outcome.draft;
  return replying(outcome.replies, state);
}

function acceptCounselor(conv: Conversation, state: ConversationState): Decision {
  if (conv.mode === "waiting") return replying([reply("handoff", messages.handoffAlready)], state);
  state.handoffReason = "distress";
  delete state.offeredComplaint;
  delete state.offeredComplaintByButton;
  const riskKind = state.offeredFor ?? (state.offeredForHarm ? "harmed" : "self");
  delete state.offeredFor;
  delete state.offeredForHarm;
  return {
    replies: [],
    state,
    actions: [
      { kind: "handoff", request: { reason: "distress", risk: "distress", subject: "self", riskKind } },
    ],
  };
}

/** Words around a place that say only that the citizen is there: 我在, 我是…的, 住在, 这边. */
const AROUND_PLACE = /[我俺在是住家的人这那边里来自呢啊呀哈了，。！？,.!?\s]/gu;

/** Naming a place is all the message does (我是达拉特旗的, 我在包头市青山区): remembered above, nothing to answer. */
function namesOnlyAPlace(u: Understanding): boolean {
  if (u.entities.places.length === 0) return false;
  let left = u.normalised.text;
  for (const p of u.entities.places)
    for (const name of [p.matched, p.league, p.league.replace(/[市盟]$/u, ""), p.county ?? ""])
      if (name) left = left.replaceAll(name, "");
  return left.replace(AROUND_PLACE, "") === "";
}
