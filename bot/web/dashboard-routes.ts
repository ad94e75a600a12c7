import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import cookie from "@fastify/cookie";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { AppError } from "../../core/app-error.js";
import { projectPath } from "../../core/paths.js";
import { recordDrillDown } from "../../handoff/audit.js";
import type { Dashboard, DashboardService, Rates } from "../../handoff/dashboard.js";
import type { HotIssueSnapshots } from "../../handoff/hot-issue-snapshots.js";
import type { StaffRole } from "../../handoff/roster.js";
import { addDays, checkRange } from "../../handoff/running-counts.js";
import type { SpikeWatch } from "../../handoff/spike-watch.js";
import type { StaffDirectory } from "../../handoff/staff.js";
import { pageWithScript } from "./client-bundle.js";
import { type CsvValue, toCsv } from "./csv.js";
import { pageCsp } from "./page-security.js";
import { createStaffGuard } from "./staff-auth.js";

const SUPERVISORS: readonly StaffRole[] = ["supervisor", "admin"];
const DEFAULT_DAYS = 30;
const MAX_DAYS = 3660;

const Range = z.object({
  from: z.string().trim().max(32).optional(),
  to: z.string().trim().max(32).optional(),
});
const TABLES = ["trend", "cells", "rates", "overdue", "hot-issues", "spikes"] as const;

/** uPlot, bundled from node_modules and served by us: the dashboard loads nothing from another origin. */
function chartLibrary(): { js: Buffer; css: Buffer } {
  const dist = dirname(createRequire(import.meta.url).resolve("uplot"));
  return {
    js: readFileSync(join(dist, "uPlot.iife.min.js")),
    css: readFileSync(join(dist, "uPlot.min.css")),
  };
}

/** The range asked for, or the last 30 days up to today (China dates); bad dates and an empty range are refused. */
function rangeOf(q: z.infer<typeof Range>, today: string): { from: string; to: string } {
  const to = q.to || today;
  const from = q.from || addDays(to, -(DEFAULT_DAYS - 1));
  const r = checkRange(from, to);
  if (addDays(r.from, MAX_DAYS) <= r.to) throw new AppError("bad_input", `日期范围过长：最多 ${MAX_DAYS} 天`);
  return r;
}

const pct = (x: number | null) => (x === null ? "" : `${(x * 100).toFixed(1)}%`);
const rateColumns = (r: Rates): CsvValue[] => [
  r.cases,
  r.due,
  r.respondedOnTime,
  pct(r.responseRate),
  r.followedUp,
  r.resolved,
  pct(r.resolutionRate),
  r.rated,
  r.satisfied,
  pct(r.satisfactionRate),
  r.closed,
  r.closedOnTime,
];
const chinaTime = (iso: string | number) =>
  new Date((typeof iso === "number" ? iso : Date.parse(iso)) + 8 * 3_600_000)
    .toISOString()
    .slice(0, 16)
    .replace("T", " ");

/** Every table of the dashboard as CSV, with the headers the page shows. */
function tableCsv(table: (typeof TABLES)[number], d: Dashboard): string {
  switch (table) {
    case "trend":
      return toCsv(
        ["日期", "在线诉求", "导入工单", "危机个案（少于5不显示）"],
        d.trend.map((t) => [t.day, t.live, t.imported, t.crisis ?? "<5"]),
      );
    case "cells":
      return toCsv(
        ["盟市", "旗县区", "类别", "在线诉求", "导入工单", "合计"],
        d.cells.map((c) => [c.league ?? "", c.county ?? "", c.categoryLabel, c.live, c.imported, c.total]),
      );
    case "rates":
      return toCsv(
        [
          "承办部门",
          "部门编号",
          "诉求件数",
          "应响应",
          "按时响应",
          "响应率",
          "有回访",
          "已解决",
          "解决率",
          "已评价",
          "满意（4-5分）",
          "满意率",
          "已办结",
          "按时办结",
        ],
        [
          ["全部", "", ...rateColumns(d.rates.overall)],
          ...d.rates.departments.map((r) => [r.departmentName, r.departmentId, ...rateColumns(r)]),
        ],
      );
    case "overdue":
      return toCsv(
        ["编号", "类别", "盟市", "旗县区", "承办部门", "状态", "超期类型", "期限"],
        d.overdue.cases.map((c) => [
          c.id,
          c.categoryLabel,
          c.league ?? "",
          c.county ?? "",
          c.departmentName,
          c.state,
          c.kind === "accept" ? "超期未受理" : "超期未办结",
          chinaTime(c.deadline),
        ]),
      );
    case "hot-issues":
      return toCsv(
        ["排名", "热度", "开始", "结束", "地点", "摘要", "件数", "群众数", "点赞", "编号"],
        (d.hotIssues?.issues ?? []).map((i) => [
          i.rank,
          i.heat.toFixed(2),
          chinaTime(i.from),
          chinaTime(i.to),
          i.place ?? "",
          i.summary,
          i.messages,
          i.citizens,
          i.likes,
          i.ids.join(" "),
        ]),
      );
    case "spikes":
      return toCsv(
        ["日期", "类型", "盟市", "旗县区", "类别", "当日件数", "平时每日", "p值"],
        d.spikes.map((s) => [
          s.day,
          s.kind === "crisis" ? "危机个案（全区）" : "诉求",
          s.league ?? "",
          s.county ?? "",
          s.kind === "crisis" ? "" : (s.category ?? "未分类"),
          s.observed,
          s.expected.toFixed(2),
          s.pValue.toExponential(2),
        ]),
      );
  }
}

/**
 * The supervisors' dashboard (数据看板) at /console/dashboard, behind the console's session and roles: supervisors
 * and admins only. Its tables download as CSV; drilling into a hot issue or a spike lists the cases behind it,
 * audited.
 */
export async function dashboardRoutes(
  app: FastifyInstance,
  deps: {
    staff: StaffDirectory;
    dashboard: DashboardService;
    spikes: SpikeWatch;
    hotIssues: HotIssueSnapshots;
    db: Parameters<typeof recordDrillDown>[0];
  },
) {
  await app.register(cookie);
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { guard, me } = createStaffGuard(deps.staff);
  const page = pageWithScript(projectPath("bot", "web", "dashboard.html"), "dashboard");
  const chart = chartLibrary();

  r.get("/console/dashboard", async (_req, reply) =>
    reply
      .header("content-type", "text/html; charset=utf-8")
      .header("cache-control", "no-cache")
      .header("content-security-policy", pageCsp(page, { ownScripts: true }))
      .send(page),
  );
  r.get("/console/assets/uplot.js", async (_req, reply) =>
    reply
      .header("content-type", "text/javascript; charset=utf-8")
      .header("cache-control", "public, max-age=86400")
      .send(chart.js),
  );
  r.get("/console/assets/uplot.css", async (_req, reply) =>
    reply
      .header("content-type", "text/css; charset=utf-8")
      .header("cache-control", "public, max-age=86400")
      .send(chart.css),
  );

  r.get(
    "/console/api/dashboard",
    { onRequest: guard(SUPERVISORS), schema: { querystring: Range } },
    async (req) => {
      const { from, to } = rangeOf(req.query, deps.dashboard.today());
      return deps.dashboard.overview(from, to);
    },
  );

  r.get(
    "/console/api/dashboard/export",
    {
      onRequest: guard(SUPERVISORS),
      schema: { querystring: Range.extend({ table: z.enum(TABLES) }) },
    },
    async (req, reply) => {
      const { from, to } = rangeOf(req.query, deps.dashboard.today());
      const csv = tableCsv(req.query.table, await deps.dashboard.overview(from, to));
      const name = `shouwang-${req.query.table}-${from}-${to}.csv`;
      return reply
        .header("content-type", "text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="${name}"`)
        .send(csv);
    },
  );

  r.get(
    "/console/api/dashboard/cases",
    {
      onRequest: guard(SUPERVISORS),
      schema: {
        querystring: z
          .object({
            hotIssue: z.coerce.number().int().min(1).max(1000).optional(),
            spike: z.string().min(10).max(300).optional(),
          })
          .refine((q) => (q.hotIssue === undefined) !== (q.spike === undefined), {
            message: "hotIssue or spike",
          }),
      },
    },
    async (req) => {
      let ids: string[];
      let what: string;
      const { hotIssue, spike: spikeId } = req.query;
      if (hotIssue !== undefined) {
        const issue = (await deps.hotIssues.latest())?.issues.find((i) => i.rank === hotIssue);
        if (!issue) throw new AppError("not_found", "这个热点问题已不在最新的热点列表中，请刷新");
        ids = issue.ids;
        what = `hot issue ${issue.rank}`;
      } else {
        const spike = await deps.spikes.get(spikeId ?? "");
        if (!spike) throw new AppError("not_found", "没有这个预警");
        // Crisis spikes are counts only: no case behind them is ever listed.
        ids = await deps.spikes.casesBehind(spike);
        what = `spike ${spike.id}`;
      }
      const cases = await deps.dashboard.caseLines(ids.slice(0, 200));
      await recordDrillDown(
        deps.db,
        me(req),
        what,
        cases.map((c) => c.id),
        new Date().toISOString(),
      );
      return { cases, total: ids.length };
    },
  );

  r.post("/console/api/dashboard/hot-issues/refresh", { onRequest: guard(SUPERVISORS) }, async () => {
    const s = await deps.hotIssues.compute();
    return { computedAt: s.computedAt, issues: s.issues.length };
  });
}
