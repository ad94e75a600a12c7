import type { RiskKind, RiskLevel } from "../intents/crisis-risk.js";
import type { Channel, HandoffReason } from "../store/conversations.js";
import type { Queryable } from "../store/sql.js";

/** A turn's decision that a person should reach a human (bot/dialogue.ts decides it). */
export interface HandoffRequest {
  reason: HandoffReason;
  risk: RiskLevel;
  subject: "self" | "other";
  /** Defaults to self. */
  riskKind?: RiskKind;
}

export interface HandoffOutcome {
  caseId: string;
  created: boolean;
  /** Staff on duty who were paged; 0 means the citizen must be told nobody is there right now. */
  paged: number;
  /**
   * Counselors on duty who can answer now (console open or Slack linked); a crisis reply promises a counselor
   * only when this is above 0. Defaults to `paged`.
   */
  available?: number;
  /**
   * The conversation joined a case another conversation opened (case-joins.ts): the mode it takes from the case,
   * "human" when a counselor already holds it. Absent, a new or own case leaves the conversation waiting.
   */
  joinedMode?: "waiting" | "human";
}

/**
 * What the engine (bot/engine.ts) needs from the handoff module, implemented by cases.ts; the engine does not
 * know how cases are routed or paged.
 */
export interface HandoffPort {
  /** Runs inside the turn's transaction, so the case exists before the citizen's reply is acknowledged. */
  request(
    tx: Queryable,
    req: HandoffRequest & {
      conversationId: string;
      channel: Channel;
      text: string;
      at: string;
      /** A keyed hash of the client's address (web only): crises from one client within minutes share a case. */
      clientKey?: string;
    },
  ): Promise<HandoffOutcome>;
  /** Runs inside the transaction for every message of a conversation that has an open case. */
  join(
    tx: Queryable,
    req: { conversationId: string; text: string; risk: RiskLevel; at: string },
  ): Promise<void>;
  /** After commit: page staff, push to live consoles. Failures here must not undo the stored turn. */
  afterCommit(conversationId: string): void;
  /** The citizen's own case status lines, for 查询进度. */
  status(conversationId: string, caseNumber?: string): Promise<string | undefined>;
}
