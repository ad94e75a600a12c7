import type { LiveHub } from "../core/live-hub.js";
import type { Db } from "../store/db.js";
import type { Param } from "../store/sql.js";
import { complaintCategoryById } from "./complaint-categories.js";
import { COMPLAINT_TOPIC } from "./complaint-context.js";
import { spikeMessages } from "./messages.js";
import { addDays, chinaDay, createRunningCounts } from "./running-counts.js";
import { detectSpikes, type Spike, type SpikeOptions } from "./spikes.js";

/** A spike as stored, with when it was first seen and when supervisors were alerted. */
export interface StoredSpike extends Spike {
  detectedAt: string;
  alertedAt: string | null;
}

/** The live event supervisors' consoles, Slack and the group robots receive, once per spike. */
export interface SpikeAlert {
  type: "spike";
  spikeId: string;
  kind: Spike["kind"];
  day: string;
  league: string | null;
  county: string | null;
  category: string | null;
  observed: number;
  expected: number;
  /** The cases behind it (live complaint numbers and imported ids); always empty for crisis spikes. */
  cases: string[];
}

interface Row {
  id: string;
  kind: Spike["kind"];
  day: string;
  league: string | null;
  county: string | null;
  category: string | null;
  observed: number;
  expected: number;
  p_value: number;
  detected_at: string;
  alerted_at: string | null;
}

const toSpike = (r: Row): StoredSpike => ({
  id: r.id,
  kind: r.kind,
  day: r.day,
  league: r.league,
  county: r.county,
  category: r.category,
  observed: r.observed,
  expected: r.expected,
  pValue: r.p_value,
  detectedAt: r.detected_at,
  alertedAt: r.alerted_at,
});

/** The category's name as supervisors read it ("未分类" for imported rows without one). */
export const categoryLabel = (id: string | null): string =>
  id ? (complaintCategoryById(id)?.label ?? id) : "未分类";

/** The one-line alert text of a spike. */
export const spikeHeadline = (
  s: Pick<Spike, "kind" | "day" | "league" | "county" | "category" | "observed" | "expected">,
) => spikeMessages.headline({ ...s, categoryLabel: categoryLabel(s.category) });

/** How often the sweeper looks again (the counts change with every complaint; the check is cheap). */
const EVERY_MS = 3_600_000;

/**
 * Finds spikes, stores them, and alerts supervisors once per spike: the spike is written to SQLite first, and an
 * alert goes out only for the row whose alerted_at this call set, so two sweeps (or a restart) never alert twice.
 */
export function createSpikeWatch(deps: {
  db: Db;
  live: LiveHub;
  now?: () => Date;
  options?: Partial<SpikeOptions>;
}) {
  const { db, live } = deps;
  const now = deps.now ?? (() => new Date());
  const counts = createRunningCounts(db);

  /** Case ids behind a complaints spike: live complaint numbers first, then imported ids (source:id). */
  async function casesBehind(s: Pick<Spike, "kind" | "day" | "league" | "county" | "category">) {
    if (s.kind !== "complaints") return [];
    const from = new Date(`${s.day}T00:00:00+08:00`).toISOString();
    const to = new Date(`${addDays(s.day, 1)}T00:00:00+08:00`).toISOString();
    const same = (col: string, v: string | null) =>
      v === null ? { sql: `${col} IS NULL`, p: [] as Param[] } : { sql: `${col} = ?`, p: [v] as Param[] };
    const league = same("league", s.league);
    const county = same("county", s.county);
    const live = await db.all<{ id: string }>(
      `SELECT id FROM complaints WHERE category = ? AND ${county.sql} AND ${league.sql}
         AND opened_at >= ? AND opened_at < ? ORDER BY opened_at`,
      [s.category ?? "", ...county.p, ...league.p, from, to],
    );
    const cat = s.category === null ? { sql: "category IS NULL", p: [] } : same("category", s.category);
    const imported = await db.all<{ source: string; source_id: string }>(
      `SELECT source, source_id FROM complaint_history WHERE received_at >= ? AND received_at < ?
         AND ${cat.sql} AND ${county.sql} AND ${league.sql} ORDER BY received_at`,
      [from, to, ...cat.p, ...county.p, ...league.p],
    );
    return [
      ...live.map((r) => r.id),
      ...imported.map((r) => (r.source ? `${r.source}:${r.source_id}` : r.source_id)),
    ];
  }

  /** Stores the day's spikes (a spike seen again keeps its first sighting and its alert, takes the new count). */
  async function record(day: string): Promise<Spike[]> {
    const found = await detectSpikes(counts, day, deps.options);
    const at = now().toISOString();
    for (const s of found)
      await db.run(
        `INSERT INTO spikes (id, kind, day, league, county, category, observed, expected, p_value, detected_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET observed = excluded.observed, expected = excluded.expected,
           p_value = excluded.p_value, updated_at = excluded.updated_at`,
        [s.id, s.kind, s.day, s.league, s.county, s.category, s.observed, s.expected, s.pValue, at, at],
      );
    return found;
  }

  /** Alerts every stored spike not alerted yet; returns how many were. */
  async function alertPending(): Promise<number> {
    const pending = await db.all<Row>("SELECT * FROM spikes WHERE alerted_at IS NULL ORDER BY day, id");
    let sent = 0;
    for (const r of pending) {
      const claimed = await db.run("UPDATE spikes SET alerted_at = ? WHERE id = ? AND alerted_at IS NULL", [
        now().toISOString(),
        r.id,
      ]);
      if (claimed.changes !== 1) continue;
      const alert: SpikeAlert = {
        type: "spike",
        spikeId: r.id,
        kind: r.kind,
        day: r.day,
        league: r.league,
        county: r.county,
        category: r.category,
        observed: r.observed,
        expected: r.expected,
        cases: await casesBehind(r),
      };
      live.publish(COMPLAINT_TOPIC, "spike", alert);
      sent++;
    }
    return sent;
  }

  let lastRun = 0;
  return {
    detect: (day: string) => detectSpikes(counts, day, deps.options),
    record,
    alertPending,
    casesBehind,

    async get(id: string): Promise<StoredSpike | undefined> {
      const r = await db.get<Row>("SELECT * FROM spikes WHERE id = ?", [id]);
      return r ? toSpike(r) : undefined;
    },

    /** Stored spikes between two China dates (inclusive), newest first. */
    async list(from: string, to: string): Promise<StoredSpike[]> {
      const rows = await db.all<Row>(
        "SELECT * FROM spikes WHERE day >= ? AND day <= ? ORDER BY day DESC, p_value",
        [from, to],
      );
      return rows.map(toSpike);
    },

    /**
     * The sweeper's job: at most hourly, today's and yesterday's spikes (yesterday's evening may have risen after
     * the last look) are recorded and alerted. `force` runs it whatever the hour.
     */
    async sweep(force = false): Promise<{ spikes: number; alerted: number }> {
      const t = now().getTime();
      if (!force && t - lastRun < EVERY_MS) return { spikes: 0, alerted: 0 };
      lastRun = t;
      const today = chinaDay(t);
      const found = [...(await record(addDays(today, -1))), ...(await record(today))];
      return { spikes: found.length, alerted: await alertPending() };
    },
  };
}

export type SpikeWatch = ReturnType<typeof createSpikeWatch>;
