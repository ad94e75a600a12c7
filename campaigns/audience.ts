/**
 * Who a campaign reaches: subscribers on one of its channels, holding one of its topics, in one of its places.
 * A campaign for a 盟市 reaches everyone there (whichever 旗县区); one for a 旗县区 reaches that 旗县区 and those who
 * gave only the 盟市. A campaign for the whole region reaches every subscriber of the topic, wherever they are.
 */
import type { Param, Queryable } from "../store/sql.js";
import type { CampaignPlace } from "./campaign-records.js";

export interface AudienceSpec {
  topics: readonly string[];
  places: readonly CampaignPlace[];
  channels: readonly string[];
}

/** The WHERE clause over `subscribers s`, with its parameters. */
export function audienceWhere(a: AudienceSpec): { sql: string; params: Param[] } {
  const params: Param[] = [];
  const marks = (xs: readonly string[]) => {
    params.push(...xs);
    return xs.map(() => "?").join(", ");
  };
  const parts = [
    `s.channel IN (${marks(a.channels)})`,
    `EXISTS (SELECT 1 FROM subscriber_topics t WHERE t.conversation_id = s.conversation_id AND t.topic IN (${marks(a.topics)}))`,
  ];
  if (a.places.length > 0) {
    const any = a.places.map((p) => {
      params.push(p.league);
      if (!p.county) return "s.league = ?";
      params.push(p.county);
      return "(s.league = ? AND (s.county IS NULL OR s.county = ?))";
    });
    parts.push(`(${any.join(" OR ")})`);
  }
  return { sql: parts.join(" AND "), params };
}

export async function audienceSize(
  q: Queryable,
  a: AudienceSpec,
): Promise<{ total: number; byChannel: Record<string, number> }> {
  const w = audienceWhere(a);
  const rows = await q.all<{ channel: string; n: number }>(
    `SELECT s.channel AS channel, COUNT(*) AS n FROM subscribers s WHERE ${w.sql} GROUP BY s.channel`,
    w.params,
  );
  const byChannel: Record<string, number> = {};
  for (const r of rows) byChannel[r.channel] = r.n;
  return { total: rows.reduce((n, r) => n + r.n, 0), byChannel };
}

/** Queues one delivery per recipient, in one statement; returns how many were queued. */
export async function queueRecipients(q: Queryable, campaignId: number, a: AudienceSpec): Promise<number> {
  const w = audienceWhere(a);
  const r = await q.run(
    `INSERT INTO campaign_deliveries (campaign_id, conversation_id, channel, state)
     SELECT ?, s.conversation_id, s.channel, 'queued' FROM subscribers s WHERE ${w.sql} ORDER BY s.conversation_id ON CONFLICT DO NOTHING`,
    [campaignId, ...w.params],
  );
  return r.changes;
}
