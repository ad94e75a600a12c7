import type { HarmSetting } from "./harm-setting.js";

/**
 * What the crisis detector says about a message: how grave (level), what kind of risk, about whom; and the order
 * of the levels, which every stage that compares or stores them shares.
 */
export type RiskLevel = "none" | "distress" | "high" | "imminent";
/** What the risk is: to the writer's own life, to someone the writer threatens, or harm done to the writer. */
export type RiskKind = "self" | "others" | "harmed";

export interface RiskAssessment {
  level: RiskLevel;
  /** Who is at risk: the writer, or someone else they tell us about (friend, child, news). */
  subject: "self" | "other";
  /**
   * self: suicide or self-harm; others: the writer threatens to hurt someone (high, a case of its own kind);
   * harmed: the writer is being hurt (violence, abuse, bullying): at least distress, a safety reply.
   */
  kind: RiskKind;
  /** True when the text only reports news/fiction about strangers: not a case to hand off. */
  reportOnly: boolean;
  /** Short English reason codes for staff, e.g. "lexicon:suicide-ideation", "negated:自杀", "hyperbole:累死", "model:0.83". */
  reasons: string[];
  /** 0..1, monotone with level, for sorting and raising priority. */
  score: number;
  /**
   * Set when words of contempt for someone are all that was read (distress of kind others): "bare" when nothing
   * else is in the message (废物客服), "beside-matter" when a matter is too (你们这帮吃干饭的，低保怎么申请).
   */
  contempt?: "bare" | "beside-matter";
  /** For harm done to the writer: who did it, when named (family, school, work, someone outside). */
  harmSetting?: HarmSetting;
}

export const LEVELS: readonly RiskLevel[] = ["none", "distress", "high", "imminent"];
export const RANK: Record<RiskLevel, number> = { none: 0, distress: 1, high: 2, imminent: 3 };

/** The graver of two levels; unknown strings (an old stored value) count as none. */
export function graverRisk(a: string, b: string): RiskLevel {
  const ra = RANK[a as RiskLevel] ?? 0;
  const rb = RANK[b as RiskLevel] ?? 0;
  return (ra >= rb ? a : b) as RiskLevel;
}

/** True when `a` is strictly graver than `b`. */
export const isGraver = (a: RiskLevel, b: RiskLevel): boolean => RANK[a] > RANK[b];

/**
 * A crisis level: high or imminent, which gets the crisis reply, a case and a page. Takes stored strings too (a
 * conversation's risk column); anything else is not a crisis.
 */
export const isCrisis = (level: string): boolean => level === "high" || level === "imminent";
