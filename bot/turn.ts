import type { Reply } from "../handoff/reply.js";
import type { RiskLevel } from "../intents/crisis-risk.js";
import type { Channel } from "../store/conversations.js";

/** What every adapter hands to the engine, whatever the platform. */
export interface InboundMessage {
  channel: Channel;
  /** Stable per citizen conversation; adapters derive it (web: client id, Telegram: chat id). */
  conversationId: string;
  /** The platform's own id for this delivery (Telegram update_id, web client message id): redelivery dedupe. */
  messageId?: string;
  /** Opaque reference to the person on the platform, for staff to see previous cases. */
  externalUserId?: string;
  /**
   * Web only: a keyed hash of the client's address, truncated (the address itself is never stored). Crisis cases
   * from one client within minutes share one case (handoff/case-joins.ts). Other channels leave it unset: their
   * conversation id already identifies the person.
   */
  clientKey?: string;
  text: string;
}

/** What the engine hands back for one inbound message. */
export interface TurnResult {
  conversationId: string;
  replies: Reply[];
  /** True when this delivery was seen before: `replies` are the ones already sent, not new ones. */
  duplicate: boolean;
  risk: RiskLevel;
  intent: string;
}
