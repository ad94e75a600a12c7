import type uPlot from "uplot";
import { request } from "../shared/api.js";
import { $, h, say } from "../shared/dom.js";

// The supervisors' dashboard (数据看板): cards, the trend chart (uPlot, loaded by the page from our own origin),
// the tables with their CSV links, and the drill-down into the cases behind a spike or a hot issue.

declare global {
  interface Window {
    uPlot?: typeof uPlot;
  }
}

interface Rates {
  cases: number;
  closed: number;
  closedOnTime: number;
  responseRate: number | null;
  resolutionRate: number | null;
  satisfactionRate: number | null;
}
interface Placed {
  league?: string | null;
  county?: string | null;
}
interface Spike extends Placed {
  id: string;
  kind: string;
  day: string;
  category?: string | null;
  observed: number;
  expected: number;
}
interface Overview {
  from: string;
  to: string;
  totals: { live: number; imported: number };
  crisis: { total: number | null };
  overdue: {
    total: number;
    cases: (Placed & {
      id: string;
      categoryLabel: string;
      departmentName: string;
      kind: string;
      deadline: string;
    })[];
  };
  rates: { overall: Rates; departments: (Rates & { departmentName: string })[] };
  spikes: Spike[];
  trend: { day: string; live: number; imported: number; crisis?: number | null }[];
  cells: (Placed & {
    category: string;
    categoryLabel: string;
    live: number;
    imported: number;
    total: number;
  })[];
  hotIssues: {
    computedAt: string;
    messages: number;
    issues: {
      rank: number;
      heat: number;
      place?: string | null;
      summary: string;
      messages: number;
      from: string;
      to: string;
    }[];
  } | null;
}
interface DrillCase extends Placed {
  id: string;
  time: string;
  categoryLabel: string;
  source: string;
  state: string;
  departmentName: string;
  excerpt: string;
}

const pct = (x: number | null | undefined) => (x == null ? "—" : `${(x * 100).toFixed(1)}%`);
const place = (x: Placed) => [x.league, x.county].filter(Boolean).join(" ") || "地点不详";
const cst = (t: number | string) =>
  new Date((typeof t === "number" ? t : Date.parse(t)) + 8 * 3600000)
    .toISOString()
    .slice(0, 16)
    .replace("T", " ");
const day = (offset: number) =>
  new Date(Date.now() + 8 * 3600000 + offset * 86400000).toISOString().slice(0, 10);
const STATE: Record<string, string> = {
  dispatched: "待受理",
  accepted: "办理中",
  awaiting_info: "待补充材料",
  returned: "已退单",
  closed: "已办结",
};
let csrf = "";
let data: Overview | null = null;
let chart: uPlot | null = null;
let showAll = false;
const input = (id: string) => $<HTMLInputElement>(id);

const api = <T>(path: string, body?: unknown) => request<T>(path, body, csrf);
const row = (cells: (Node | string | number)[], pick?: (() => void) | null) => {
  const tr = h("tr", pick ? "pick" : "");
  for (const c of cells) tr.append(c instanceof Node ? c : h("td", "", c));
  if (pick) tr.addEventListener("click", pick);
  return tr;
};
const td = (text: string, cls?: string) => h("td", cls || "l", text);
function fill(id: string, rows: HTMLTableRowElement[], empty: string, cols: number): void {
  const b = $(id);
  b.textContent = "";
  for (const r of rows) b.append(r);
  if (!rows.length) {
    const tr = h("tr");
    const c = h("td", "empty", empty);
    c.colSpan = cols;
    tr.append(c);
    b.append(tr);
  }
}

async function load(): Promise<void> {
  const from = input("from").value;
  const to = input("to").value;
  say("");
  let d: Overview;
  try {
    d = await api<Overview>(`dashboard?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
  } catch (e) {
    say((e as Error).message);
    return;
  }
  data = d;
  for (const a of document.querySelectorAll<HTMLAnchorElement>("a.csv"))
    a.href = `/console/api/dashboard/export?table=${a.dataset.table}&from=${d.from}&to=${d.to}`;
  render(d);
}

function render(d: Overview): void {
  const o = d.rates.overall;
  const cards = $("cards");
  cards.textContent = "";
  const card = (v: string | number, label: string, cls?: string) => {
    const c = h("div", "card");
    c.append(h("b", cls || "", v), h("span", "", label));
    cards.append(c);
  };
  card(d.totals.live, "在线诉求");
  card(d.totals.imported, "导入工单");
  card(d.crisis.total == null ? "<5" : d.crisis.total, "危机个案");
  card(d.overdue.total, "超期未结", d.overdue.total ? "over" : "");
  card(pct(o.responseRate), "响应率");
  card(pct(o.resolutionRate), "解决率");
  card(pct(o.satisfactionRate), "满意率");
  card(d.spikes.length, "突增预警", d.spikes.length ? "over" : "");
  drawChart(d);

  fill(
    "spikeBody",
    d.spikes.map((s) =>
      row(
        [
          td(s.day),
          td(s.kind === "crisis" ? "全区" : place(s)),
          td(s.kind === "crisis" ? "危机个案（只报数量）" : catName(d, s)),
          h("td", "", s.observed),
          h("td", "", s.expected.toFixed(1)),
        ],
        s.kind === "crisis"
          ? null
          : () => drill(`spike=${encodeURIComponent(s.id)}`, `${s.day} ${place(s)} ${catName(d, s)}`),
      ),
    ),
    "所选期间没有突增预警",
    5,
  );

  const hot = d.hotIssues;
  $("hotMeta").textContent = hot ? `计算于 ${cst(hot.computedAt)}，共 ${hot.messages} 条来信` : "尚未计算";
  fill(
    "hotBody",
    (hot ? hot.issues : []).map((i) =>
      row(
        [
          h("td", "", i.rank),
          h("td", "", i.heat.toFixed(2)),
          td(i.place || "—"),
          h("td", "wrap", i.summary),
          h("td", "", i.messages),
          td(`${cst(i.from).slice(5, 10)}—${cst(i.to).slice(5, 10)}`),
        ],
        () => drill(`hotIssue=${i.rank}`, `热点 ${i.rank}：${i.summary}`),
      ),
    ),
    "暂无热点问题",
    6,
  );

  const cells = showAll ? d.cells : d.cells.slice(0, 50);
  $("allCells").hidden = showAll || d.cells.length <= 50;
  fill(
    "cellBody",
    cells.map((c) =>
      row([
        td(c.league || "—"),
        td(c.county || "—"),
        td(c.categoryLabel),
        h("td", "", c.live),
        h("td", "", c.imported),
        h("td", "", c.total),
      ]),
    ),
    "所选期间没有诉求",
    6,
  );

  const rateRow = (name: string, r: Rates, cls?: string) =>
    row([
      h("td", cls || "l", name),
      h("td", "", r.cases),
      h("td", "", pct(r.responseRate)),
      h("td", "", pct(r.resolutionRate)),
      h("td", "", pct(r.satisfactionRate)),
      h("td", "", r.closed ? `${r.closedOnTime}/${r.closed}` : "—"),
    ]);
  fill(
    "rateBody",
    o.cases
      ? [rateRow("全部", o, "l over"), ...d.rates.departments.map((r) => rateRow(r.departmentName, r))]
      : [],
    "所选期间没有在线诉求",
    6,
  );

  fill(
    "overdueBody",
    d.overdue.cases.map((c) =>
      row([
        td(c.id),
        td(c.categoryLabel),
        td(place(c)),
        td(c.departmentName),
        td(c.kind === "accept" ? "超期未受理" : "超期未办结", "l over"),
        h("td", "", cst(c.deadline)),
      ]),
    ),
    "没有超期诉求",
    6,
  );
}
const catName = (d: Overview, s: Spike) => {
  const c = d.cells.find((x) => x.category === s.category);
  return c ? c.categoryLabel : s.category || "未分类";
};

function drawChart(d: Overview): void {
  const el = $("chart");
  if (chart) {
    chart.destroy();
    chart = null;
  }
  el.textContent = "";
  const UPlot = window.uPlot;
  if (!UPlot) {
    el.textContent = "图表库未加载";
    return;
  }
  const t = d.trend;
  const xs = t.map((x) => Date.parse(`${x.day}T00:00:00+08:00`) / 1000);
  const series: uPlot.Series[] = [
    {},
    { label: "在线诉求", stroke: "#1f5f8b", width: 2 },
    { label: "导入工单", stroke: "#7f8c8d", width: 2 },
  ];
  const cols: (number | null | undefined)[][] = [xs, t.map((x) => x.live), t.map((x) => x.imported)];
  if (t.some((x) => x.crisis != null)) {
    series.push({ label: "危机个案", stroke: "#c0392b", width: 2, spanGaps: false });
    cols.push(t.map((x) => x.crisis));
  }
  chart = new UPlot(
    {
      width: Math.max(280, el.clientWidth),
      height: 240,
      series,
      scales: { x: { time: true } },
      axes: [{}, { size: 40 }],
      cursor: { drag: { x: false, y: false } },
    },
    cols as uPlot.AlignedData,
    el,
  );
}
window.addEventListener("resize", () => {
  if (chart) chart.setSize({ width: Math.max(280, $("chart").clientWidth), height: 240 });
});

async function drill(query: string, title: string): Promise<void> {
  try {
    const r = await api<{ total: number; cases: DrillCase[] }>(`dashboard/cases?${query}`);
    $("drillTitle").textContent = `${title}（${r.total} 件）`;
    fill(
      "drillBody",
      r.cases.map((c) =>
        row([
          td(c.id),
          td(cst(c.time)),
          td(place(c)),
          td(c.categoryLabel),
          td(c.source === "imported" ? "导入工单" : `${STATE[c.state] || c.state} · ${c.departmentName}`),
          h("td", "wrap", c.excerpt),
        ]),
      ),
      "没有可显示的诉求",
      6,
    );
    $("drill").hidden = false;
    $("drill").scrollIntoView({ block: "nearest" });
  } catch (e) {
    say((e as Error).message);
  }
}
$("closeDrill").addEventListener("click", () => {
  $("drill").hidden = true;
});
$("allCells").addEventListener("click", () => {
  showAll = true;
  if (data) render(data);
});
$("refreshHot").addEventListener("click", async (e) => {
  (e.currentTarget as HTMLButtonElement).disabled = true;
  try {
    await api("dashboard/hot-issues/refresh", {});
    await load();
  } catch (err) {
    say((err as Error).message);
  } finally {
    $<HTMLButtonElement>("refreshHot").disabled = false;
  }
});
$("range").addEventListener("submit", (e) => {
  e.preventDefault();
  showAll = false;
  load();
});
for (const b of document.querySelectorAll<HTMLButtonElement>("button[data-days]"))
  b.addEventListener("click", () => {
    input("to").value = day(0);
    input("from").value = day(1 - Number(b.dataset.days));
    load();
  });

api<{ csrf: string; user: { username: string; displayName?: string | null; role: string } }>("me").then(
  (m) => {
    csrf = m.csrf;
    $("who").textContent = m.user.displayName || m.user.username;
    if (m.user.role !== "supervisor" && m.user.role !== "admin") {
      $("deniedText").textContent = "数据看板只对督办人员和管理员开放。";
      $("denied").hidden = false;
      return;
    }
    $("board").hidden = false;
    input("to").value = day(0);
    input("from").value = day(-29);
    load();
  },
  () => {
    $("deniedText").textContent = "请先登录值班台。";
    $("denied").hidden = false;
  },
);
