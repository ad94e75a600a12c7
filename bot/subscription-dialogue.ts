/**
 * 「订阅」「订阅 劳动」「退订 劳动」「退订」「订阅地区 包头市」: reading what a citizen asks of their 普法 subscriptions.
 * Pure like the rest of the dialogue: it names topics and places, and the engine carries out the change (it knows
 * what the citizen already has, which decides the wording).
 */
import { parseTopics, TOPICS } from "../campaigns/topics.js";
import type { Understanding } from "../intents/understand.js";
import type { ConversationState } from "../store/conversations.js";
import { type Decision, reply, replying, type SubscriptionOp } from "./decision.js";
import { messages } from "./messages.js";
import { topicButtons, WHOLE_REGION } from "./subscription-messages.js";

type Parsed = { verb: "subscribe" | "unsubscribe" | "place"; rest: string; spaced: boolean };

const PLACE = /^(?:订阅地区|修改订阅地区|修改地区)(\s*)(.*)$/su;
const UNSUBSCRIBE = /^(?:\/unsubscribe|退订|取消订阅)(\s*)(.*)$/su;
const SUBSCRIBE = /^(?:\/subscribe|订阅)(\s*)(.*)$/su;
/** Beyond this, 「订阅…」 is a sentence about something else (「订阅号怎么关注」), not a list of topics. */
const MAX_REST = 40;
const WHOLE = /^(全区|全自治区|内蒙古|不限|不限地区|都行|跳过|不用了?|不想说)$/u;

function parse(text: string): Parsed | undefined {
  const t = text.replace(/[\s。.!！~～]+$/u, "").trim();
  for (const [verb, re] of [
    ["place", PLACE],
    ["unsubscribe", UNSUBSCRIBE],
    ["subscribe", SUBSCRIBE],
  ] as const) {
    const m = re.exec(t);
    if (m) return { verb, rest: (m[2] ?? "").trim(), spaced: (m[1] ?? "").length > 0 };
  }
  return undefined;
}

const allNames = TOPICS.map((t) => t.name);

/**
 * A subscription command, or undefined when the text is not one. Written without a space (「订阅劳动」), the rest
 * must name topics and nothing else, so that a question that merely starts with the word is left to the FAQ.
 */
export function subscriptionDecision(u: Understanding, state: ConversationState): Decision | undefined {
  const p = parse(u.normalised.text);
  if (!p || p.rest.length > MAX_REST) return undefined;
  if (p.verb === "place") {
    if (!p.rest) return action({ ...state, subscriptionPlace: true }, { op: "askPlace" });
    return placeDecision(u, p.rest, state) ?? replying([reply("subscription", messages.placeUnknown)], state);
  }
  if (!p.rest) return action(state, p.verb === "subscribe" ? { op: "menu" } : { op: "unsubscribe" });
  const { topics, unknown } = parseTopics(p.rest);
  if (!p.spaced && (unknown.length > 0 || topics.length === 0)) return undefined;
  if (unknown.length > 0)
    return replying(
      [reply("subscription", messages.unknownTopic(unknown, allNames), topicButtons(allNames))],
      state,
    );
  const ids = topics.map((t) => t.id);
  return action(
    state,
    p.verb === "subscribe" ? { op: "subscribe", topics: ids } : { op: "unsubscribe", topics: ids },
  );
}

/** The answer to 「你在哪个盟市」, asked once after a first subscription; anything else goes on as usual. */
export function placeAnswerDecision(u: Understanding, state: ConversationState): Decision | undefined {
  if (!state.subscriptionPlace) return undefined;
  const rest = { ...state };
  delete rest.subscriptionPlace;
  const text = u.normalised.text.replace(/[\s。.!！~～]+$/u, "").trim();
  return text.length <= MAX_REST ? placeDecision(u, text, rest) : undefined;
}

function placeDecision(u: Understanding, text: string, state: ConversationState): Decision | undefined {
  const clean = { ...state };
  delete clean.subscriptionPlace;
  if (WHOLE.test(text) || text === WHOLE_REGION) return action(clean, { op: "place", place: {} });
  const found = u.entities.places[0];
  if (!found) return undefined;
  return action(clean, {
    op: "place",
    place: { league: found.league, ...(found.county ? { county: found.county } : {}) },
  });
}

const action = (state: ConversationState, op: SubscriptionOp): Decision => ({
  replies: [],
  state,
  actions: [{ kind: "subscription", ...op }],
});
