import type { Logger } from "../core/logger.js";
import type { Reply } from "../handoff/reply.js";
import type { Channel, ConversationStore } from "../store/conversations.js";
import type { Db } from "../store/db.js";
import type { LiveHub } from "./live-hub.js";
import { conversationTopic } from "./web/chat-routes.js";

/** A message to push to a citizen outside the request/response of their own turn (staff reply, reminder). */
export interface OutboundMessage extends Reply {
  /** The stored event's id: clients use it to avoid showing a message twice. */
  eventId: number;
  from: "staff" | "bot";
}

export type ChannelSender = (conversationId: string, message: OutboundMessage) => Promise<void>;

export interface Outbound {
  deliver(conversation: { id: string; channel: Channel }, message: OutboundMessage): Promise<void>;
  register(channel: Channel, sender: ChannelSender): void;
}

/**
 * One interface for every channel. Messages are stored before they get here, so a failed push is not a lost
 * message: the web page reloads the transcript, Telegram's sender retries.
 */
export function createOutbound(live: LiveHub): Outbound {
  const senders = new Map<Channel, ChannelSender>();
  senders.set("web", async (conversationId, m) => {
    live.publish(conversationTopic(conversationId), "reply", {
      id: m.eventId,
      from: m.from,
      text: m.text,
      kind: m.kind,
      buttons: m.buttons,
      calls: m.calls,
      sender: m.sender,
    });
  });
  // A terminal session has no way to be reached after its turn; the transcript keeps the message.
  senders.set("cli", async () => undefined);
  return {
    register: (channel, sender) => senders.set(channel, sender),
    async deliver(conversation, message) {
      const send = senders.get(conversation.channel);
      if (!send) throw new Error(`no outbound sender for channel ${conversation.channel}`);
      await send(conversation.id, message);
    },
  };
}

export interface CitizenMessaging {
  db: Db;
  conversations: ConversationStore;
  outbound: Outbound;
  logger: Logger;
  now: () => Date;
}

/**
 * A message to a citizen outside their own turn (a staff reply, a reminder, a complaint update): stored in the
 * conversation first, then pushed on their channel. A failed push is logged, not thrown: the message is already
 * in the transcript, and the caller (a sweep over many cases, say) must go on.
 */
export async function sendToCitizen(
  m: CitizenMessaging,
  conversation: { id: string; channel: Channel },
  reply: Reply,
  actor: string,
): Promise<number> {
  const at = m.now().toISOString();
  const eventId = await m.db.transaction((tx) =>
    m.conversations.append(tx, conversation.id, [{ type: "reply", actor, payload: reply }], at),
  );
  await m.outbound
    .deliver(conversation, { ...reply, eventId, from: actor === "bot" ? "bot" : "staff" })
    .catch((err) =>
      m.logger.error({ err, conversationId: conversation.id }, "could not push a message; it is stored"),
    );
  return eventId;
}
