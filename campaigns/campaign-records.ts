/** How a campaign is stored and read back (the `campaigns` table of store/migrations-campaigns.ts). */
import { insertReturningId } from "../store/dialect.js";
import type { Queryable } from "../store/sql.js";
import type { CampaignChannel, QuietHours } from "./campaign-rules.js";

export type Attachment = { kind: "entry"; id: string } | { kind: "article"; law: string; article: string };
export interface CampaignPlace {
  league: string;
  county?: string;
}
export type CampaignState = "draft" | "approved" | "sending" | "paused" | "done" | "cancelled";

export interface Campaign {
  id: number;
  title: string;
  body: string;
  attachments: Attachment[];
  topics: string[];
  /** Empty: the whole region. */
  places: CampaignPlace[];
  channels: CampaignChannel[];
  sendAt: string;
  quietHours: QuietHours | null;
  weeklyCap: number;
  state: CampaignState;
  author: string;
  approver: string | null;
  /** Written when sending starts: the recipients queued then. */
  recipients: number | null;
  createdAt: string;
  approvedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

interface Row {
  id: number;
  title: string;
  body: string;
  attachments: string;
  topics: string;
  places: string;
  channels: string;
  send_at: string;
  quiet_start: number | null;
  quiet_end: number | null;
  weekly_cap: number;
  state: CampaignState;
  author: string;
  approver: string | null;
  recipients: number | null;
  created_at: string;
  approved_at: string | null;
  started_at: string | null;
  finished_at: string | null;
}

const toCampaign = (r: Row): Campaign => ({
  id: r.id,
  title: r.title,
  body: r.body,
  attachments: JSON.parse(r.attachments) as Attachment[],
  topics: JSON.parse(r.topics) as string[],
  places: JSON.parse(r.places) as CampaignPlace[],
  channels: JSON.parse(r.channels) as CampaignChannel[],
  sendAt: r.send_at,
  quietHours:
    r.quiet_start === null || r.quiet_end === null ? null : { start: r.quiet_start, end: r.quiet_end },
  weeklyCap: r.weekly_cap,
  state: r.state,
  author: r.author,
  approver: r.approver,
  recipients: r.recipients,
  createdAt: r.created_at,
  approvedAt: r.approved_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

export type NewCampaign = Omit<
  Campaign,
  "id" | "state" | "approver" | "recipients" | "approvedAt" | "startedAt" | "finishedAt"
>;

export async function insertCampaign(q: Queryable, c: NewCampaign): Promise<number> {
  return insertReturningId(
    q,
    `INSERT INTO campaigns (title, body, attachments, topics, places, channels, send_at, quiet_start, quiet_end,
       weekly_cap, state, author, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?)`,
    [
      c.title,
      c.body,
      JSON.stringify(c.attachments),
      JSON.stringify(c.topics),
      JSON.stringify(c.places),
      JSON.stringify(c.channels),
      c.sendAt,
      c.quietHours?.start ?? null,
      c.quietHours?.end ?? null,
      c.weeklyCap,
      c.author,
      c.createdAt,
      c.createdAt,
    ],
  );
}

export async function readCampaign(q: Queryable, id: number): Promise<Campaign | undefined> {
  const row = await q.get<Row>("SELECT * FROM campaigns WHERE id = ?", [id]);
  return row ? toCampaign(row) : undefined;
}

export async function listCampaigns(q: Queryable, limit = 100): Promise<Campaign[]> {
  const rows = await q.all<Row>("SELECT * FROM campaigns ORDER BY id DESC LIMIT ?", [limit]);
  return rows.map(toCampaign);
}

/** Approved or sending campaigns whose time has come, oldest first. */
export async function dueCampaigns(q: Queryable, at: string): Promise<Campaign[]> {
  const rows = await q.all<Row>(
    "SELECT * FROM campaigns WHERE state IN ('approved', 'sending') AND send_at <= ? ORDER BY send_at, id",
    [at],
  );
  return rows.map(toCampaign);
}

export function campaignEvent(
  q: Queryable,
  id: number,
  type: string,
  actor: string,
  at: string,
  payload: Record<string, unknown> = {},
) {
  return q.run(
    "INSERT INTO campaign_events (campaign_id, type, actor, payload, created_at) VALUES (?, ?, ?, ?, ?)",
    [id, type, actor, JSON.stringify(payload), at],
  );
}
