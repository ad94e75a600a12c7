import { randomUUID } from "node:crypto";
import type { HandoffPort } from "../handoff/port.js";
import type { Reply } from "../handoff/reply.js";
import {
  type Channel,
  type Conversation,
  type ConversationStore,
  isUniqueViolation,
  type NewEvent,
} from "../store/conversations.js";
import type { Db } from "../store/db.js";

/** A message the engine does not run through understanding: a photo, an edit, an over-long text, a follow. */
export interface UnansweredTurn {
  channel: Channel;
  conversationId: string;
  /** The person on the platform, for a conversation this turn creates. */
  externalUser: string;
  /** The platform's delivery id: a redelivery replays the stored replies. */
  messageId: string;
  /** What staff read in the transcript: a bracketed label such as 「[图片]」, or the text itself. */
  text: string;
  /** The kind of message, kept on the event (photo, location, edit, event…). */
  media: string;
  /** The polite reply the adapter chose (none for a silent event). */
  replies: Reply[];
  /** A follow or unfollow event changes the subscription with the same write. */
  subscribed?: boolean;
}

export interface UnansweredDeps {
  conversations: ConversationStore;
  db: Db;
  handoff: HandoffPort;
  now: () => Date;
}

/**
 * Stores such a turn like an engine turn: the citizen's side as an inbound event, the reply as a bot reply, with
 * the delivery key, in one transaction, so a redelivery replays it and nothing is doubled. If a person holds or
 * waits for the conversation, it joins the open case so staff see it in the transcript and the console is told.
 */
export function createUnansweredTurns(deps: UnansweredDeps) {
  const { conversations, db, handoff, now } = deps;

  const replay = async (t: UnansweredTurn) => {
    const seen = await conversations.findDelivery(t.channel, t.messageId);
    if (!seen) return undefined;
    const events = await conversations.turnEvents(seen);
    return {
      replies: events.filter((e) => e.type === "reply").map((e) => e.payload as Reply),
      duplicate: true,
    };
  };

  async function note(t: UnansweredTurn): Promise<{ replies: Reply[]; duplicate: boolean }> {
    const before = await replay(t);
    if (before) return before;
    const at = now().toISOString();
    const events: NewEvent[] = [
      { type: "inbound", actor: "citizen", payload: { text: t.text, channel: t.channel, media: t.media } },
      ...t.replies.map((r) => ({ type: "reply", actor: "bot", payload: r })),
    ];
    let joined = false;
    try {
      await db.transaction(async (tx) => {
        const conv: Conversation = (await conversations.getIn(tx, t.conversationId)) ?? {
          id: t.conversationId,
          channel: t.channel,
          externalUser: t.externalUser,
          mode: "bot",
          risk: "none",
          state: {},
          subscribed: false,
          createdAt: at,
        };
        const conversation = t.subscribed === undefined ? conv : { ...conv, subscribed: t.subscribed };
        for (const st of conversations.turnStatements({
          conversation,
          turn: randomUUID(),
          at,
          events,
          delivery: { channel: t.channel, externalId: t.messageId },
          keepMode: true,
        })) {
          await tx.run(st.sql, st.params);
        }
        if (conv.mode !== "bot") {
          await handoff.join(tx, { conversationId: t.conversationId, text: t.text, risk: "none", at });
          joined = true;
        }
      });
    } catch (e) {
      conversations.forget(t.conversationId);
      if (isUniqueViolation(e)) {
        const again = await replay(t);
        if (again) return again;
      }
      throw e;
    }
    conversations.forget(t.conversationId);
    if (joined) handoff.afterCommit(t.conversationId);
    return { replies: t.replies, duplicate: false };
  }

  return {
    note: (t: UnansweredTurn) => conversations.exclusive(t.conversationId, () => note(t)),
  };
}
