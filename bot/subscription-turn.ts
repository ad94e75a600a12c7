/**
 * Carries out a subscription action of a turn: the change is written with its consent record (see
 * campaigns/subscriptions.ts) before the reply is worded, so the reply says what is now true.
 */

import type { Subscriptions } from "../campaigns/subscriptions.js";
import { TOPICS, topicNames } from "../campaigns/topics.js";
import type { Reply } from "../handoff/reply.js";
import { placeName } from "../intents/places.js";
import type { Channel } from "../store/conversations.js";
import type { SubscriptionOp } from "./decision.js";
import { messages } from "./messages.js";
import { placeButtons, topicButtons } from "./subscription-messages.js";

export interface SubscriptionDeps {
  store: Subscriptions;
  /** The 12 盟市, offered as buttons when the place is asked. */
  leagues: readonly string[];
}

export interface SubscriptionOutcome {
  replies: Reply[];
  /** Whether any topic is subscribed now (mirrored in the conversation's old yes/no flag). */
  subscribed: boolean;
  /** The 盟市 question was put in this turn: the next message is read as its answer. */
  askedPlace: boolean;
}

const whereOf = (p: { league?: string; county?: string }) =>
  p.league ? placeName({ league: p.league, county: p.county }) : undefined;

export async function applySubscription(
  deps: SubscriptionDeps,
  conversation: { id: string; channel: Channel },
  op: SubscriptionOp,
  at: string,
): Promise<SubscriptionOutcome> {
  const { store } = deps;
  const say = (text: string, buttons?: Reply["buttons"]): Reply =>
    buttons ? { kind: "subscription", text, buttons } : { kind: "subscription", text };
  const askPlace = say(messages.askPlace, placeButtons(deps.leagues));
  switch (op.op) {
    case "menu": {
      const s = await store.get(conversation.id);
      const names = topicNames(s.topics);
      const others = TOPICS.filter((t) => !s.topics.includes(t.id)).map((t) => t.name);
      return {
        replies: [say(messages.subscriptionMenu(names, whereOf(s.place)), topicButtons(others))],
        subscribed: s.topics.length > 0,
        askedPlace: false,
      };
    }
    case "subscribe": {
      const names = topicNames(op.topics);
      const consent = messages.subscriptionConsent(names);
      const { added, now } = await store.subscribe({
        conversationId: conversation.id,
        channel: conversation.channel,
        topics: op.topics,
        wording: consent,
        at,
      });
      const replies = [
        added.length > 0
          ? say(messages.subscribedTo(topicNames(added), consent))
          : say(messages.alreadySubscribedTo(names)),
      ];
      const ask = !now.placeAsked;
      if (ask) {
        await store.markPlaceAsked(conversation.id, at);
        replies.push(askPlace);
      }
      return { replies, subscribed: now.topics.length > 0, askedPlace: ask };
    }
    case "unsubscribe": {
      const before = await store.get(conversation.id);
      if (before.topics.length === 0)
        return { replies: [say(messages.notSubscribed)], subscribed: false, askedPlace: false };
      const wanted = op.topics ?? before.topics;
      const { removed, now } = await store.unsubscribe({
        conversationId: conversation.id,
        ...(op.topics ? { topics: op.topics } : {}),
        wording: messages.unsubscribeRecord(topicNames(wanted)),
        at,
      });
      const text =
        removed.length === 0
          ? messages.notSubscribedTo(topicNames(wanted), topicNames(now.topics))
          : op.topics
            ? messages.unsubscribedFrom(topicNames(removed), topicNames(now.topics))
            : messages.unsubscribedAll;
      return { replies: [say(text)], subscribed: now.topics.length > 0, askedPlace: false };
    }
    case "place": {
      const where = whereOf(op.place);
      const now = await store.setPlace({
        conversationId: conversation.id,
        channel: conversation.channel,
        place: op.place,
        wording: messages.placeConsent(where ?? "全区"),
        at,
      });
      return {
        replies: [say(where ? messages.placeSet(where) : messages.placeWholeRegion)],
        subscribed: now.topics.length > 0,
        askedPlace: false,
      };
    }
    case "askPlace": {
      const s = await store.get(conversation.id);
      return { replies: [askPlace], subscribed: s.topics.length > 0, askedPlace: true };
    }
  }
}
