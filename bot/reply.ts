import type { RiskLevel } from "../intents/crisis-detector.js";
import type { Citation } from "../knowledge/schema.js";

export type Channel = "web" | "telegram" | "slack" | "cli";

/** What every adapter hands to the engine, whatever the platform. */
export interface InboundMessage {
  channel: Channel;
  /** Stable per citizen conversation; adapters derive it (web: client id, Telegram: chat id). */
  conversationId: string;
  /** The platform's own id for this delivery (Telegram update_id, web client message id): redelivery dedupe. */
  messageId?: string;
  /** Opaque reference to the person on the platform, for staff to see previous cases. */
  externalUserId?: string;
  text: string;
}

export type ReplyKind =
  | "answer"
  | "referral"
  | "crisis"
  | "distress"
  | "unsure"
  | "clarify"
  | "smalltalk"
  | "menu"
  | "handoff"
  | "status"
  | "subscription"
  | "unreadable"
  | "complaint"
  | "rating"
  | "staff";

export interface Button {
  label: string;
  /** Sent back as the citizen's next message when pressed, so buttons work on every channel alike. */
  payload: string;
}

/** A number to call, shown as a large call button where the channel can dial (the web chat on a phone). */
export interface Call {
  label: string;
  number: string;
}

export interface Reply {
  kind: ReplyKind;
  text: string;
  buttons?: Button[];
  calls?: Call[];
  /** Who wrote a staff message, as the citizen sees it: "王老师（心理咨询师）". */
  sender?: string;
  answerId?: string;
  citations?: Citation[];
  /** A referral card: the domain and the related articles shown (not a tailored answer). */
  referral?: { domain: string; articles: { law: string; article: string }[] };
}

export interface TurnResult {
  conversationId: string;
  replies: Reply[];
  /** True when this delivery was seen before: `replies` are the ones already sent, not new ones. */
  duplicate: boolean;
  risk: RiskLevel;
  intent: string;
}
