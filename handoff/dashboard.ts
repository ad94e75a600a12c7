import { maskPersonalNumbers } from "../core/redact.js";
import type { Db } from "../store/db.js";
import { OPEN } from "./complaint-records.js";
import type { HotIssueSnapshot, HotIssueSnapshots } from "./hot-issue-snapshots.js";
import { addDays, cellOf, chinaDay, createRunningCounts, type Measures } from "./running-counts.js";
import { categoryLabel, type SpikeWatch, type StoredSpike } from "./spike-watch.js";
import { CRISIS_MIN_CELL } from "./spikes.js";

/**
 * The supervisors' dashboard (数据看板): trend, the 旗县区 × category table, the three rates per department and
 * overall, overdue cases, spikes and hot issues, for an inclusive range of China dates. Everything but the overdue
 * list (the current backlog, found by its index) comes from the pre-aggregated counts, so a million complaints
 * cost about what ten thousand do (bench/dashboard.ts).
 *
 * The three rates, over cases filed in the range (the definitions the page shows):
 *   响应率 = cases accepted (受理) by their 受理 deadline / cases due a response (accepted, or whose 受理 deadline
 *            has passed without acceptance; cases still within their deadline are not counted yet);
 *   解决率 = cases the citizen confirmed solved at 回访 / cases with a 回访 answer (the latest answer counts);
 *   满意率 = ratings of 4 or 5 / rated cases.
 * A rate with nothing under it is null, shown as "—". Imported work orders have no department: they count in the
 * trend and the table, never in the rates.
 */

export interface Rates {
  cases: number;
  due: number;
  respondedOnTime: number;
  responseRate: number | null;
  followedUp: number;
  resolved: number;
  resolutionRate: number | null;
  rated: number;
  satisfied: number;
  satisfactionRate: number | null;
  closed: number;
  closedOnTime: number;
}

export interface DashboardCell {
  league: string | null;
  county: string | null;
  category: string | null;
  categoryLabel: string;
  live: number;
  imported: number;
  total: number;
}

export interface OverdueCase {
  id: string;
  category: string;
  categoryLabel: string;
  league: string | null;
  county: string | null;
  departmentName: string;
  state: string;
  /** The deadline that passed: 受理 for a case never accepted, else 办理. */
  deadline: string;
  kind: "accept" | "handle";
}

export interface Dashboard {
  from: string;
  to: string;
  totals: { live: number; imported: number };
  /** One entry per day; crisis is null on a day with fewer than 5 crisis cases (suppressed). */
  trend: { day: string; live: number; imported: number; crisis: number | null }[];
  cells: DashboardCell[];
  rates: { overall: Rates; departments: (Rates & { departmentId: string; departmentName: string })[] };
  overdue: { total: number; cases: OverdueCase[] };
  /** Crisis cases opened in the range, counts only; null under 5. */
  crisis: { total: number | null; byKind: { kind: string; count: number | null }[] };
  spikes: StoredSpike[];
  hotIssues: HotIssueSnapshot | null;
}

/** A case behind a hot issue or a spike, as a supervisor drilling down sees it (numbers masked). */
export interface CaseLine {
  id: string;
  time: string;
  source: "live" | "imported";
  league: string | null;
  county: string | null;
  categoryLabel: string;
  state: string | null;
  departmentName: string | null;
  excerpt: string;
}

const OVERDUE_SHOWN = 100;
const suppress = (n: number) => (n >= CRISIS_MIN_CELL ? n : null);
const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

function ratesOf(m: Measures, unanswered: number): Rates {
  const [cases, respondedOnTime, responded, followedUp, resolved, rated, satisfied, closed, closedOnTime] = m;
  const due = responded + unanswered;
  return {
    cases,
    due,
    respondedOnTime,
    responseRate: ratio(respondedOnTime, due),
    followedUp,
    resolved,
    resolutionRate: ratio(resolved, followedUp),
    rated,
    satisfied,
    satisfactionRate: ratio(satisfied, rated),
    closed,
    closedOnTime,
  };
}

export function createDashboard(deps: {
  db: Db;
  spikes: SpikeWatch;
  hotIssues: HotIssueSnapshots;
  departmentName: (id: string) => string | undefined;
  now?: () => Date;
}) {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  const counts = createRunningCounts(db);
  const instant = (day: string) => new Date(`${day}T00:00:00+08:00`).toISOString();

  async function rates(from: string, to: string): Promise<Dashboard["rates"]> {
    // Cases filed in the range whose 受理 deadline passed unanswered: the open backlog's few, by their index.
    const unanswered = new Map(
      (
        await db.all<{ department_id: string; n: number }>(
          `SELECT department_id, COUNT(*) AS n FROM complaints
           WHERE accepted_at IS NULL AND accept_by < ? AND opened_at >= ? AND opened_at < ?
           GROUP BY department_id`,
          [now().toISOString(), instant(from), instant(addDays(to, 1))],
        )
      ).map((r) => [r.department_id, r.n]),
    );
    const rows = await counts.range("dept", from, to);
    const sum = [0, 0, 0, 0, 0, 0, 0, 0, 0] as Measures;
    const departments = rows
      .filter((r) => r.m[0] > 0)
      .map((r) => {
        r.m.forEach((x, k) => {
          sum[k] = (sum[k] ?? 0) + x;
        });
        return {
          departmentId: r.key,
          departmentName: deps.departmentName(r.key) ?? r.key,
          ...ratesOf(r.m, unanswered.get(r.key) ?? 0),
        };
      })
      .sort((a, b) => b.cases - a.cases || a.departmentId.localeCompare(b.departmentId));
    const allUnanswered = [...unanswered.values()].reduce((s, n) => s + n, 0);
    return { overall: ratesOf(sum, allUnanswered), departments };
  }

  async function overdue(): Promise<Dashboard["overdue"]> {
    const at = now().toISOString();
    // Two indexed parts (complaints_due), not one OR that would read every complaint: past the handling deadline,
    // or dispatched and past the 受理 deadline only.
    const where = `id IN (SELECT id FROM complaints WHERE state IN ${OPEN} AND handle_by < ?
      UNION ALL SELECT id FROM complaints WHERE state = 'dispatched' AND handle_by >= ? AND accept_by < ?)`;
    const total = (
      await db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM complaints WHERE ${where}`, [at, at, at])
    )?.n;
    const rows = await db.all<{
      id: string;
      category: string;
      league: string | null;
      county: string | null;
      department_name: string;
      state: string;
      handle_by: string;
      accept_by: string;
    }>(
      `SELECT id, category, league, county, department_name, state, handle_by, accept_by FROM complaints
       WHERE ${where} ORDER BY CASE WHEN state = 'dispatched' AND accept_by < handle_by THEN accept_by ELSE handle_by END LIMIT ?`,
      [at, at, at, OVERDUE_SHOWN],
    );
    return {
      total: total ?? 0,
      cases: rows.map((r) => {
        const acceptLate = r.state === "dispatched" && r.accept_by < at && r.accept_by <= r.handle_by;
        return {
          id: r.id,
          category: r.category,
          categoryLabel: categoryLabel(r.category),
          league: r.league,
          county: r.county,
          departmentName: r.department_name,
          state: r.state,
          deadline: acceptLate ? r.accept_by : r.handle_by,
          kind: acceptLate ? "accept" : "handle",
        };
      }),
    };
  }

  return {
    /** Today's China date, the end of the default range. */
    today: () => chinaDay(now()),

    /** The whole dashboard for an inclusive range of China dates (checked by the caller). */
    async overview(from: string, to: string): Promise<Dashboard> {
      const totals = await counts.days("total", from, to);
      const crisisDays = await counts.days("crisis", from, to);
      const byDay = new Map(totals.map((t) => [t.day, t.m]));
      const crisisByDay = new Map<string, number>();
      for (const c of crisisDays) crisisByDay.set(c.day, (crisisByDay.get(c.day) ?? 0) + c.m[0]);
      const trend: Dashboard["trend"] = [];
      for (let d = from; d <= to; d = addDays(d, 1)) {
        const m = byDay.get(d);
        trend.push({
          day: d,
          live: m?.[0] ?? 0,
          imported: m?.[1] ?? 0,
          crisis: suppress(crisisByDay.get(d) ?? 0),
        });
      }
      const cells = (await counts.range("cell", from, to))
        .map((r) => {
          const c = cellOf(r.key);
          return {
            ...c,
            categoryLabel: categoryLabel(c.category),
            live: r.m[0],
            imported: r.m[1],
            total: r.m[0] + r.m[1],
          };
        })
        .filter((c) => c.total > 0)
        .sort((a, b) => b.total - a.total);
      const crisis = await counts.range("crisis", from, to);
      const crisisTotal = crisis.reduce((s, r) => s + r.m[0], 0);
      return {
        from,
        to,
        totals: {
          live: trend.reduce((s, t) => s + t.live, 0),
          imported: trend.reduce((s, t) => s + t.imported, 0),
        },
        trend,
        cells,
        rates: await rates(from, to),
        overdue: await overdue(),
        crisis: {
          total: suppress(crisisTotal),
          byKind: crisis.map((r) => ({ kind: r.key, count: suppress(r.m[0]) })),
        },
        spikes: await deps.spikes.list(from, to),
        hotIssues: (await deps.hotIssues.latest()) ?? null,
      };
    },

    /** Live complaints (SW-…) and imported work orders (source:id) by id, in the order asked; unknown ids left out. */
    async caseLines(ids: readonly string[]): Promise<CaseLine[]> {
      const live = ids.filter((id) => /^SW-\d{4}-\d{6}$/.test(id));
      const out = new Map<string, CaseLine>();
      if (live.length) {
        const rows = await db.all<{
          id: string;
          opened_at: string;
          league: string | null;
          county: string | null;
          category: string;
          state: string;
          department_name: string;
          what: string;
        }>(
          `SELECT id, opened_at, league, county, category, state, department_name, what FROM complaints
           WHERE id IN (${live.map(() => "?").join(", ")})`,
          live,
        );
        for (const r of rows)
          out.set(r.id, {
            id: r.id,
            time: r.opened_at,
            source: "live",
            league: r.league,
            county: r.county,
            categoryLabel: categoryLabel(r.category),
            state: r.state,
            departmentName: r.department_name,
            excerpt: maskPersonalNumbers(r.what).slice(0, 80),
          });
      }
      for (const id of ids.filter((x) => !out.has(x) && !live.includes(x))) {
        const colon = id.indexOf(":");
        const [source, sourceId] = colon >= 0 ? [id.slice(0, colon), id.slice(colon + 1)] : ["", id];
        const r = await db.get<{
          title: string | null;
          text: string;
          received_at: string;
          league: string | null;
          county: string | null;
          category: string | null;
          category_label: string | null;
        }>(
          "SELECT title, text, received_at, league, county, category, category_label FROM complaint_history WHERE source = ? AND source_id = ?",
          [source, sourceId],
        );
        if (r)
          out.set(id, {
            id,
            time: r.received_at,
            source: "imported",
            league: r.league,
            county: r.county,
            categoryLabel: r.category ? categoryLabel(r.category) : (r.category_label ?? "未分类"),
            state: null,
            departmentName: null,
            // Stored masked at import; sliced here.
            excerpt: (r.title ?? r.text).slice(0, 80),
          });
      }
      return ids.flatMap((id) => out.get(id) ?? []);
    },
  };
}

export type DashboardService = ReturnType<typeof createDashboard>;
