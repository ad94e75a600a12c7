import type { Logger } from "../core/logger.js";
import type { Channel, ConversationStore } from "../store/conversations.js";
import type { Db } from "../store/db.js";
import type { Reply } from "./reply.js";

/** A message to push to a citizen outside the request/response of their own turn (staff reply, reminder). */
export interface OutboundMessage extends Reply {
  /** The stored event's id: clients use it to avoid showing a message twice. */
  eventId: number;
  from: "staff" | "bot";
}

export type ChannelSender = (conversationId: string, message: OutboundMessage) => Promise<void>;

/**
 * Throws an AppError when the channel cannot reach this citizen now (WeChat only lets an account write to a
 * person within 48 hours of their last message). Asked before a staff reply is stored, so the staff member sees
 * why, and nothing is recorded as said that the citizen can never receive.
 */
export type ChannelCheck = (conversationId: string) => Promise<void>;

/**
 * How a message reaches a citizen's channel outside their own turn. The composition root builds it
 * (bot/outbound.ts) and each channel adapter registers its sender; the domain only delivers.
 */
export interface Outbound {
  deliver(conversation: { id: string; channel: Channel }, message: OutboundMessage): Promise<void>;
  /** Resolves when the citizen can be reached on their channel now; throws an AppError saying why not. */
  check(conversation: { id: string; channel: Channel }): Promise<void>;
  register(channel: Channel, sender: ChannelSender, check?: ChannelCheck): void;
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
