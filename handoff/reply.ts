import type { Citation } from "../knowledge/schema.js";

/**
 * What a citizen is sent, on any channel: by the bot in its own turn (bot/dialogue.ts), and outside a turn by
 * staff, case and complaint updates (cases.ts, complaints.ts). Adapters render it; the transcript stores it.
 */
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
  | "staff"
  /** A legal-education campaign (普法) message, sent outside any turn to a subscriber. */
  | "campaign";

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
  /** How to reach an office the citizen asked for by name: its kind in the dispatch catalogue. */
  office?: string;
}
