import { fmtTime } from "./format.js";

// What the console shows of a crisis case: the words for its risks, states, channels and events, and the
// shapes the API answers with.

export const RISK: Record<string, string> = {
  imminent: "紧急",
  high: "高危",
  distress: "情绪困扰",
  none: "一般",
};
export const STATE: Record<string, string> = {
  waiting: "等待认领",
  claimed: "已认领",
  active: "对话中",
  transferred: "转交中",
  resolved: "已结案",
  closed: "已关闭",
  abandoned: "无法联系",
};
export const KIND: Record<string, string> = { crisis: "危机", distress: "情绪", human: "转人工" };
export const RISK_KIND: Record<string, string> = { others: "威胁他人", harmed: "遭受侵害" };
export const CHANNEL: Record<string, string> = {
  web: "网页",
  telegram: "Telegram",
  slack: "Slack",
  cli: "终端",
  wechat: "微信",
};
export const EV: Record<string, string> = {
  opened: "开案",
  paged: "呼叫值班人员",
  claim: "认领",
  start: "开始对话",
  transfer: "转交",
  release: "放回队列",
  resolve: "结案",
  abandon: "结案（无法联系）",
  close: "关闭",
  note: "备注",
  staff_reply: "工作人员回复",
  citizen_message: "当事人来信",
  risk_raised: "风险升级",
  escalated: "超时未认领，再次呼叫",
  joined: "同一来源的新对话并入",
};
export const CASE_ID = /^[A-Z]{2}-\d{4}-\d{6}$/;

export interface CaseRow {
  id: string;
  risk: string;
  state: string;
  channel: string;
  kind: string;
  subject?: string;
  riskKind?: string | null;
  openedAt: string;
  firstMessage: string;
  escalations?: number;
  transferTo?: string | null;
  outcome?: string | null;
  /** How many conversations the case holds: its own and those that joined it. */
  conversations?: number;
}
export interface Case extends CaseRow {
  conversationId: string;
  holderId: string | null;
  claimedAt?: string | null;
  followUp?: string | null;
}
export interface Place {
  league?: string;
  county?: string;
  matched?: string;
}
export interface TranscriptEvent {
  id: number;
  type: string;
  actor?: string | null;
  createdAt: string;
  payload?: { text?: string; risk?: string; reasons?: unknown[]; places?: (Place | string)[] } | null;
}
export interface CaseEvent {
  type: string;
  actor: string;
  created_at: string;
  from_state?: string | null;
  to_state?: string | null;
  payload?: {
    text?: string;
    to?: string | string[];
    from?: string;
    outcome?: string;
    conversationId?: string;
  } | null;
}
export interface CaseView {
  case: Case;
  transcript: TranscriptEvent[];
  /** Conversations that joined the case from the same client, each with its own transcript. */
  joined?: { conversationId: string; joinedAt: string; transcript: TranscriptEvent[] }[];
  caseEvents: CaseEvent[];
  previous: CaseRow[];
}
export interface StaffMember {
  username: string;
  displayName?: string | null;
  role: string;
}

export const label = (map: Record<string, string>, key: string) => map[key] || key;
export function reasonText(r: unknown): string {
  if (r == null) return "";
  if (typeof r !== "object") return String(r);
  const o = r as Record<string, unknown>;
  return String(o.label || o.reason || o.rule || o.pattern || o.match || o.text || JSON.stringify(r));
}
export const placeText = (x: Place | string) =>
  typeof x === "object" ? [x.league, x.county].filter(Boolean).join(" ") || x.matched : x;

/** One line of the case's timeline. */
export function caseEventText(e: CaseEvent): string {
  const p = e.payload || {};
  let text = `${fmtTime(e.created_at)} ${EV[e.type] || e.type} · ${e.actor}`;
  if (e.from_state || e.to_state)
    text += `（${(e.from_state && STATE[e.from_state]) || e.from_state || "—"} → ${(e.to_state && STATE[e.to_state]) || e.to_state}）`;
  if (e.type === "note") text += `：${p.text || ""}`;
  else if (e.type === "paged") text += `：${((p.to as string[] | undefined) || []).join("、") || "无人值班"}`;
  else if (e.type === "risk_raised")
    text += `：${(p.from && RISK[p.from]) || p.from} → ${((p.to as string | undefined) && RISK[p.to as string]) || p.to}`;
  else if (e.type === "transfer" && p.to) text += ` → ${p.to}`;
  else if (e.type === "joined" && p.conversationId) text += `：对话 ${p.conversationId}`;
  else if (p.outcome) text += `：${p.outcome}`;
  return text;
}
