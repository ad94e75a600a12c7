import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../bot/server.js";
import type { StaffMember } from "../handoff/roster.js";
import { testAssistant } from "./helpers.js";
import { forEachStore } from "./stores.js";
import { fileLive, importRows, letter, noon, openCrisisCase, steadyStream } from "./stream-fixtures.js";

/**
 * The supervisors' dashboard over the API: who may open it, the three rates as defined on the page from cases a
 * department really worked (受理 on time, late, never; 回访 and ratings), crisis counts suppressed under 5, CSV of
 * every table, drill-down audited, and bad ranges refused.
 */
const DAY = "2026-03-18";
let clock = noon(DAY);
let a: Awaited<ReturnType<typeof testAssistant>>;
let app: FastifyInstance;
let sup: StaffMember;
const live: string[] = [];

async function login(username: string, password: string) {
  const r = await app.inject({ method: "POST", url: "/console/api/login", payload: { username, password } });
  return { cookie: String(r.headers["set-cookie"]).split(";")[0] ?? "", csrf: r.json().csrf as string };
}
let session: { cookie: string; csrf: string };
const get = (url: string) => app.inject({ url, headers: { cookie: session.cookie } });

beforeAll(async () => {
  a = await testAssistant({ now: () => new Date(clock) });
  app = await buildServer(a);
  await a.staff.add({ username: "lead", password: "supervisor-pass", role: "supervisor" });
  await a.staff.add({ username: "wang", password: "counselor-pass", role: "counselor" });
  await a.staff.add({
    username: "clerk",
    password: "department-pass",
    role: "department",
    department: "松山区/hrss-labour-inspection",
  });
  sup = (await a.staff.find("lead")) as StaffMember;
  session = await login("lead", "supervisor-pass");

  // Ten weeks of imported letters, then nine about wages in 准格尔旗 on DAY: a spike.
  await importRows(a, steadyStream([{ county: "回民区", category: "property-housing", perDay: 2 }], DAY, 70));
  await importRows(
    a,
    Array.from({ length: 9 }, (_, i) =>
      letter(`w-${i}`, { county: "准格尔旗", category: "wage-arrears" }, DAY, i),
    ),
  );
  // Four live complaints in 松山区 filed on 03-02: one accepted the same day, one a day later (on time), one
  // after its 受理 deadline, one never.
  clock = noon("2026-03-02");
  const texts = [
    "工地拖欠工资两个月",
    "饭店老板欠薪不给",
    "物流公司拖欠装卸工工资",
    "超市拖欠员工三个月工资",
  ];
  for (const what of texts)
    live.push(await fileLive(a, { county: "松山区", category: "wage-arrears", what, at: clock }));
  await a.complaints.accept(live[0] as string, sup);
  clock = noon("2026-03-03");
  await a.complaints.accept(live[1] as string, sup);
  clock = noon("2026-03-12");
  await a.complaints.accept(live[2] as string, sup);
  // Closed and followed up: solved and 5, unsolved and 2, no answer but rated 4.
  for (const id of live.slice(0, 3)) await a.complaints.close(id, sup, "已协调企业支付工资");
  const followUp = (id: string, answer: { resolved?: boolean; rating?: number }) =>
    a.db.transaction((tx) => a.complaints.recordFollowUp(tx, id, answer, new Date(clock).toISOString()));
  await followUp(live[0] as string, { resolved: true, rating: 5 });
  await followUp(live[1] as string, { resolved: false, rating: 2 });
  await followUp(live[2] as string, { rating: 4 });
  // Three crisis cases: too few to show.
  for (let i = 0; i < 3; i++) await openCrisisCase(a, noon("2026-03-10", i));
  clock = noon(DAY, 600);
  await a.spikes.sweep(true);
}, 60_000);

afterAll(async () => {
  await app?.close();
  await a?.cleanup();
});

forEachStore(() => {
  describe("supervisors' dashboard", () => {
    it("is for supervisors and admins only", async () => {
      expect((await app.inject("/console/api/dashboard")).statusCode).toBe(401);
      for (const [u, p] of [
        ["wang", "counselor-pass"],
        ["clerk", "department-pass"],
      ] as const) {
        const s = await login(u, p);
        const r = await app.inject({ url: "/console/api/dashboard", headers: { cookie: s.cookie } });
        expect(r.statusCode, u).toBe(403);
      }
      const page = await app.inject("/console/dashboard");
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain("响应率");
      const lib = await app.inject("/console/assets/uplot.js");
      expect(lib.statusCode).toBe(200);
      expect(String(page.headers["content-security-policy"])).toMatch(/script-src 'self' 'sha256-/);
    });

    it("shows the three rates as the page defines them, per department and overall", async () => {
      const r = await get("/console/api/dashboard?from=2026-03-01&to=2026-03-18");
      expect(r.statusCode).toBe(200);
      const d = r.json();
      expect(d.rates.departments).toHaveLength(1);
      const dept = d.rates.departments[0];
      expect(dept).toMatchObject({
        cases: 4,
        // Two accepted within the deadline, of three accepted plus one whose deadline passed unanswered.
        due: 4,
        respondedOnTime: 2,
        responseRate: 0.5,
        // One solved of two answers at 回访.
        followedUp: 2,
        resolved: 1,
        resolutionRate: 0.5,
        // 5 and 4 of three ratings.
        rated: 3,
        satisfied: 2,
      });
      expect(dept.satisfactionRate).toBeCloseTo(2 / 3);
      expect(dept.departmentName).toContain("松山区");
      expect(d.rates.overall.responseRate).toBe(0.5);
      // The complaint never accepted and the one reopened as unsolved are overdue.
      expect(d.overdue.cases.map((c: { id: string }) => c.id)).toContain(live[3]);
    });

    it("counts live and imported together in the trend and the 旗县区 × category table, crisis only from 5", async () => {
      const d = (await get("/console/api/dashboard?from=2026-03-01&to=2026-03-18")).json();
      const cell = (county: string, category: string) =>
        d.cells.find(
          (c: { county: string; category: string }) => c.county === county && c.category === category,
        );
      expect(cell("准格尔旗", "wage-arrears")).toMatchObject({
        live: 0,
        imported: 9,
        total: 9,
        league: "鄂尔多斯市",
      });
      expect(cell("松山区", "wage-arrears")).toMatchObject({ live: 4, imported: 0 });
      expect(d.trend).toHaveLength(18);
      expect(d.trend.find((t: { day: string }) => t.day === "2026-03-02").live).toBe(4);
      expect(d.trend.find((t: { day: string }) => t.day === "2026-03-10").crisis).toBeNull();
      expect(d.crisis.total).toBeNull();
      expect(d.totals.live).toBe(4);
      expect(d.spikes.map((s: { county: string }) => s.county)).toEqual(["准格尔旗"]);
    });

    it("lists the cases behind a spike, and writes who looked into the audit log", async () => {
      const d = (await get(`/console/api/dashboard?from=${DAY}&to=${DAY}`)).json();
      const spike = d.spikes[0];
      const r = await get(`/console/api/dashboard/cases?spike=${encodeURIComponent(spike.id)}`);
      expect(r.statusCode).toBe(200);
      expect(r.json().cases.map((c: { id: string }) => c.id)).toContain("old:w-0");
      const audit = await a.db.get<{ detail: string }>(
        "SELECT detail FROM audit_log WHERE action = 'view_dashboard_cases' AND username = 'lead'",
      );
      expect(audit?.detail).toContain("old:w-0");
    });

    it("exports every table as CSV that Excel opens", async () => {
      for (const table of ["trend", "cells", "rates", "overdue", "hot-issues", "spikes"]) {
        const r = await get(`/console/api/dashboard/export?table=${table}&from=2026-03-01&to=${DAY}`);
        expect(r.statusCode, table).toBe(200);
        expect(r.headers["content-type"]).toContain("text/csv");
        expect(r.headers["content-disposition"]).toContain(`shouwang-${table}-2026-03-01-${DAY}.csv`);
        expect(r.body.startsWith("\uFEFF")).toBe(true);
      }
      const cells = (await get(`/console/api/dashboard/export?table=cells&from=2026-03-01&to=${DAY}`)).body;
      expect(cells).toContain("鄂尔多斯市,准格尔旗,拖欠工资（农民工欠薪）,0,9,9");
      const rates = (await get(`/console/api/dashboard/export?table=rates&from=2026-03-01&to=${DAY}`)).body;
      expect(rates.split("\r\n")[1]).toMatch(/^全部,,4,4,2,50\.0%,2,1,50\.0%,3,2,66\.7%/);
    });

    it("refuses bad dates and an empty range with a clear message", async () => {
      const bad = await get("/console/api/dashboard?from=2026-02-30&to=2026-03-18");
      expect(bad.statusCode).toBe(400);
      expect(bad.json().message).toContain("不是有效日期");
      const empty = await get("/console/api/dashboard?from=2026-03-18&to=2026-03-01");
      expect(empty.statusCode).toBe(400);
      expect(empty.json().message).toContain("日期范围为空");
      const csv = await get("/console/api/dashboard/export?table=cells&from=yesterday");
      expect(csv.statusCode).toBe(400);
    });
  });
});
