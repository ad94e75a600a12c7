import { $, h, say } from "../shared/dom.js";
import type { DepartmentStats } from "./complaint-labels.js";
import { fixed, pct } from "./format.js";
import { api, supervisor } from "./session.js";

// The departments in the complaints tab: the supervisors' per-department statistics, and the names the 改派
// input offers.

/** Departments offered in the 改派 input, by name; the id is looked up from the name the supervisor picks. */
export const kDeptIds = new Map<string, string>();
export function addDepartments(
  list: { departmentId?: string; departmentName?: string; id?: string; name?: string }[],
) {
  const dl = $("kDepts");
  for (const x of list) {
    const id = (x.departmentId || x.id) as string;
    const name = (x.departmentName || x.name) as string;
    if (kDeptIds.has(name)) continue;
    kDeptIds.set(name, id);
    dl.appendChild(new Option(name, name));
  }
}
let kDeptTimer = 0;
$("tKDept").addEventListener("input", () => {
  clearTimeout(kDeptTimer);
  const q = $<HTMLInputElement>("tKDept").value.trim();
  if (q.length < 2) return;
  kDeptTimer = window.setTimeout(() => {
    api<{ departments: { id: string; name: string }[] }>(`departments?q=${encodeURIComponent(q)}`).then(
      (d) => addDepartments(d.departments),
      () => {},
    );
  }, 250);
});

/** Nothing open: supervisors see the department statistics, clerks a hint. */
export async function showIdle(): Promise<void> {
  $("kview").hidden = true;
  $("knone").hidden = supervisor();
  $("kstats").hidden = !supervisor();
  if (!supervisor()) return;
  try {
    const data = await api<{ departments: DepartmentStats[] }>("complaints/stats");
    const body = $("kStatsBody");
    body.textContent = "";
    for (const r of data.departments) {
      const tr = h("tr");
      const name = h("td", "", r.departmentName);
      name.title = r.departmentId;
      tr.append(
        name,
        h("td", "", r.cases),
        h("td", "", r.closed),
        h("td", "", pct(r.onTimeRate)),
        h("td", "", fixed(r.averageDays)),
        h("td", "", r.returns),
        h("td", "", r.rated ? `${fixed(r.averageRating)}（${r.rated} 人）` : "—"),
        h("td", r.overdueOpen ? "due-over" : "", r.overdueOpen),
      );
      body.append(tr);
    }
    if (!data.departments.length) {
      const tr = h("tr");
      const td = h("td", "empty", "暂无诉求");
      td.colSpan = 8;
      tr.append(td);
      body.append(tr);
    }
    addDepartments(data.departments);
  } catch (err) {
    say((err as Error).message);
  }
}
