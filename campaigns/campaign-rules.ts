/**
 * The limits a campaign is held to: lengths, channels, quiet hours (China time), the weekly cap per person.
 * Everything here is pure; campaigns.ts applies it before anything is written.
 */
import { AppError } from "../core/app-error.js";
import type { Channel } from "../store/conversations.js";

export const MAX_TITLE_CHARS = 40;
/** A campaign goes out as one message on every channel: well under Telegram's 4096 with citations and footer. */
export const MAX_BODY_CHARS = 1500;
export const MAX_ATTACHMENTS = 5;
export const DEFAULT_WEEKLY_CAP = 3;
/** Channels a campaign can reach: those where a message can arrive outside the citizen's own turn. */
export const CAMPAIGN_CHANNELS = ["web", "telegram", "wechat"] as const satisfies readonly Channel[];
export type CampaignChannel = (typeof CAMPAIGN_CHANNELS)[number];

/** Minutes after midnight, China Standard Time; `start` > `end` crosses midnight. */
export interface QuietHours {
  start: number;
  end: number;
}
export const DEFAULT_QUIET_HOURS: QuietHours = { start: 21 * 60, end: 8 * 60 };

const CST_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

/** "21:00-08:00" → quiet hours; "none" → null (send at any hour). */
export function parseQuietHours(text: string): QuietHours | null {
  const t = text.trim().toLowerCase();
  if (t === "none" || t === "无" || t === "不限") return null;
  const m = /^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$/.exec(t);
  const [h1, m1, h2, m2] = (m?.slice(1) ?? []).map(Number) as number[];
  if (!m || h1 === undefined || m1 === undefined || h2 === undefined || m2 === undefined)
    throw new AppError("bad_input", `免打扰时段要写成 21:00-08:00，或 none（不设），收到的是「${text}」`);
  if (h1 > 23 || h2 > 24 || m1 > 59 || m2 > 59 || (h2 === 24 && m2 > 0))
    throw new AppError("bad_input", `免打扰时段不是有效的时间：「${text}」`);
  const q = { start: h1 * 60 + m1, end: h2 * 60 + m2 };
  if (q.start === q.end) throw new AppError("bad_input", "免打扰时段的开始和结束不能相同");
  return q;
}

export const formatQuietHours = (q: QuietHours | null): string => {
  if (!q) return "none";
  const hm = (m: number) =>
    `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
  return `${hm(q.start)}-${hm(q.end)}`;
};

const minuteOfDay = (at: number) => Math.floor(((at + CST_MS) % DAY_MS) / 60_000);

export function inQuietHours(at: number, q: QuietHours | null): boolean {
  if (!q) return false;
  const m = minuteOfDay(at);
  return q.start < q.end ? m >= q.start && m < q.end : m >= q.start || m < q.end;
}

export function checkTitle(title: string): string {
  const t = title.trim();
  if (!t) throw new AppError("bad_input", "标题不能为空");
  if (t.length > MAX_TITLE_CHARS) throw new AppError("bad_input", `标题最多 ${MAX_TITLE_CHARS} 个字`);
  return t;
}

export function checkBody(body: string): string {
  const b = body.replace(/\r\n/g, "\n").trim();
  if (!b.replace(/[\s\u200b-\u200f\ufeff]/g, "")) throw new AppError("bad_input", "正文不能为空");
  if (b.length > MAX_BODY_CHARS)
    throw new AppError(
      "too_large",
      `正文最多 ${MAX_BODY_CHARS} 个字（现在 ${b.length} 个字），请精简或分成几期`,
    );
  if (b.includes("\u0000")) throw new AppError("bad_input", "正文含有无法显示的字符");
  return b;
}

export function checkWeeklyCap(cap: number): number {
  if (!Number.isInteger(cap) || cap < 1 || cap > 14)
    throw new AppError("bad_input", "每人每周上限要在 1 到 14 条之间");
  return cap;
}

export function checkChannels(channels: readonly string[]): CampaignChannel[] {
  if (channels.length === 0) throw new AppError("bad_input", "至少选择一个渠道");
  const out: CampaignChannel[] = [];
  for (const c of channels) {
    if (!(CAMPAIGN_CHANNELS as readonly string[]).includes(c))
      throw new AppError("bad_input", `未知的渠道「${c}」，可选：${CAMPAIGN_CHANNELS.join("、")}`);
    if (!out.includes(c as CampaignChannel)) out.push(c as CampaignChannel);
  }
  return out;
}

/** A send time is an instant with a zone (or China time without one); one already past is refused. */
export function checkSendAt(
  at: string | undefined,
  now: number,
  parse: (s: string) => number | undefined,
): string {
  if (at === undefined || at.trim() === "") return new Date(now).toISOString();
  const t = parse(at);
  if (t === undefined)
    throw new AppError("bad_input", `发送时间看不懂：「${at}」，请写成 2026-03-15T09:00+08:00`);
  // A minute's grace: "now" typed into a form is a little in the past by the time it arrives.
  if (t < now - 60_000) throw new AppError("bad_input", `发送时间「${at}」已经过去了`);
  return new Date(Math.max(t, now)).toISOString();
}
