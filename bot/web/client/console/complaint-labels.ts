import { h } from "../shared/dom.js";
import { fmtDate, fmtTime, pct, tag } from "./format.js";

// What the console shows of a complaint (诉求): the words for its states, categories and events, the shapes
// the API answers with, and the small pieces of text and markup the list and the open complaint share.

export const KSTATE: Record<string, string> = {
  dispatched: "待受理",
  accepted: "办理中",
  awaiting_info: "待群众补充材料",
  returned: "已退单，待改派",
  closed: "已办结",
};
export const KCAT: Record<string, string> = {
  "land-expropriation": "征地补偿",
  "house-expropriation": "房屋征收",
  "wage-arrears": "拖欠工资",
  "labour-dispute": "劳动争议",
  "medical-dispute": "医疗纠纷",
  petition: "信访事项",
  "work-safety": "安全生产",
  "food-drug-safety": "食品药品",
  "telecom-fraud": "电信诈骗",
  "village-affairs": "村务",
  grassland: "草原",
  environment: "生态环境",
  "social-security": "社会保险",
  "social-assistance": "社会救助",
  "crime-report": "违法犯罪线索",
  "legal-services": "法律服务",
  other: "其他",
};
export const KEV: Record<string, string> = {
  filed: "群众提交",
  citizen_added: "群众补充",
  dispatched: "派单",
  accepted: "受理",
  replied: "回复群众",
  info_requested: "请群众补充材料",
  extended: "延期",
  returned: "退单",
  redispatched: "改派",
  reminded: "到期提醒",
  supervised: "超期督办",
  closed: "办结",
  citizen_resolved: "回访：已解决",
  citizen_unresolved: "回访：未解决",
  reopened: "重新督办",
  rated: "群众评价",
  grouped: "并单",
  possible_collective: "疑似群体性诉求",
  split: "拆分并单",
};
export const ACTOR: Record<string, string> = { citizen: "群众", system: "系统" };

export interface ComplaintRow {
  id: string;
  state: string;
  category: string;
  what: string;
  league?: string | null;
  county?: string | null;
  detail?: string | null;
  departmentId?: string;
  departmentName: string;
  handleBy: string;
  groupId?: string | null;
  similarity?: number | null;
}
export interface Complaint extends ComplaintRow {
  ask?: string | null;
  phone?: string | null;
  dispatchRule?: string | null;
  openedAt: string;
  acceptBy: string;
  acceptedAt?: string | null;
  extended?: boolean;
  extensionReason?: string | null;
  result?: string | null;
  closedAt?: string | null;
  resolved?: boolean | null;
  rating?: number | null;
  ratingComment?: string | null;
  returns?: number;
  escalatedAt?: string | null;
}
export interface ComplaintEvent {
  type: string;
  actor: string;
  created_at: string;
  payload?: Record<string, unknown> | null;
}
export interface ComplaintView {
  complaint: Complaint;
  events: ComplaintEvent[];
  group: ComplaintRow[];
}
export interface DepartmentStats {
  departmentId: string;
  departmentName: string;
  cases: number;
  closed: number;
  onTimeRate: number | null;
  averageDays: number | null;
  returns: number;
  rated: number;
  averageRating: number | null;
  overdueOpen: number;
}
export interface Spike {
  kind?: string;
  league?: string;
  county?: string;
  category?: string;
  day?: string;
  observed?: number;
  expected?: number;
  complaintId?: string;
  groupId?: string;
}

export const catLabel = (id: string | undefined) => (id !== undefined && KCAT[id]) || id;
export const placeOf = (c: ComplaintRow) =>
  [c.league, c.county, c.detail].filter(Boolean).join(" ") || "地点不清楚";
/** "over" past the handling deadline, "soon" within a day of it; closed cases are neither. */
export function dueOf(c: ComplaintRow): "" | "over" | "soon" {
  if (c.state === "closed") return "";
  const left = Date.parse(c.handleBy) - Date.now();
  return left < 0 ? "over" : left <= 86400000 ? "soon" : "";
}
export function dueSpan(c: ComplaintRow): HTMLSpanElement {
  const due = dueOf(c);
  const s = h(
    "span",
    `due${due ? ` due-${due}` : ""}`,
    fmtDate(c.handleBy) + (due === "over" ? " 已超期" : ""),
  );
  s.title = `办理期限 ${fmtTime(c.handleBy)}`;
  return s;
}
export function groupTag(c: ComplaintRow): HTMLSpanElement | null {
  if (!c.groupId) return null;
  const lead = c.groupId === c.id ? "（牵头）" : ` ${c.groupId}`;
  return tag(`并单${lead}${c.similarity != null ? ` · 相似度 ${pct(c.similarity)}` : ""}`, "t-group");
}

export function eventText(e: ComplaintEvent): string {
  // biome-ignore lint/suspicious/noExplicitAny: each event type has its own payload, read as the server wrote it
  const p: any = e.payload || {};
  const who = ACTOR[e.actor] || e.actor;
  let text = `${fmtTime(e.created_at)} ${KEV[e.type] || e.type} · ${who}`;
  switch (e.type) {
    case "filed":
      text += `：${catLabel(p.category)}${p.urgent ? "（紧急）" : ""}`;
      break;
    case "citizen_added":
      text += `：${p.what || ""}`;
      break;
    case "dispatched":
      text += ` → ${p.department || ""}${p.rule ? `（${p.rule}）` : ""}`;
      break;
    case "redispatched":
      text += ` → ${p.department || ""}`;
      break;
    case "replied":
    case "info_requested":
      text += `：${p.text || ""}`;
      break;
    case "extended":
    case "returned":
      text += `：${p.reason || ""}`;
      break;
    case "closed":
      text += `：${p.result || ""}`;
      break;
    case "reminded":
    case "supervised":
      text += `（办理期限 ${fmtTime(p.handleBy)}）`;
      break;
    case "rated":
      text += `：${p.rating} 分`;
      break;
    case "grouped":
      text += `：并入 ${p.lead}（相似度 ${pct(p.similarity)}）`;
      break;
    case "possible_collective":
      text += `：${p.joined} 并入本件（相似度 ${pct(p.similarity)}）`;
      break;
    case "split":
      text += `：移出并单 ${p.from || ""}`;
      break;
  }
  return text;
}
