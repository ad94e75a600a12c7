import { conversationTopic, type LiveHub } from "../core/live-hub.js";
import type { ChannelCheck, ChannelSender, Outbound } from "../handoff/outbound.js";
import type { Channel } from "../store/conversations.js";

/**
 * One interface for every channel. Messages are stored before they get here, so a failed push is not a lost
 * message: the web page reloads the transcript, Telegram's sender retries.
 */
export function createOutbound(live: LiveHub): Outbound {
  const senders = new Map<Channel, ChannelSender>();
  const checks = new Map<Channel, ChannelCheck>();
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
    register(channel, sender, check) {
      senders.set(channel, sender);
      if (check) checks.set(channel, check);
      else checks.delete(channel);
    },
    async check(conversation) {
      await checks.get(conversation.channel)?.(conversation.id);
    },
    async deliver(conversation, message) {
      const send = senders.get(conversation.channel);
      if (!send) throw new Error(`no outbound sender for channel ${conversation.channel}`);
      await send(conversation.id, message);
    },
  };
}
