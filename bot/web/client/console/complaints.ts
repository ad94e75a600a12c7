import { $, h, say } from "../shared/dom.js";
import {
  type Complaint,
  type ComplaintRow,
  type ComplaintView,
  catLabel,
  dueOf,
  dueSpan,
  eventText,
  groupTag,
  KSTATE,
  placeOf,
  type Spike,
} from "./complaint-labels.js";
import { addDepartments, kDeptIds, showIdle } from "./departments.js";
import { fmtDate, fmtTime, pct, tag } from "./format.js";
import { listen } from "./live.js";
import { act, api, complaintRole, crisisRole, session, supervisor } from "./session.js";
import { tabButton } from "./tabs.js";

// Complaints (诉求): the department's list, one complaint, its actions; supervisors also re-dispatch, split
// merged cases and see the per-department statistics.

let kItems: ComplaintRow[] = [];
let kOpen: ComplaintView | null = null;
let kOpenId: string | null = null;
let kSeq = 0;
let kLSeq = 0;
let kTimer = 0;
let kWant = false;
const field = (id: string) => $<HTMLInputElement | HTMLTextAreaElement>(id);
const overdueOnly = () => $<HTMLInputElement>("kOverdue").checked;

export function connectComplaints(): void {
  listen<Spike>("complaints", "/console/api/complaints/stream", ["complaint", "spike"], (type, d) => {
    // A spike (诉求突增) reaches supervisors only: a banner that opens the dashboard.
    if (type === "spike") {
      if (!supervisor()) return;
      const where =
        d.kind === "crisis"
          ? "全区危机个案"
          : `${[d.league, d.county].filter(Boolean).join("")} ${catLabel(d.category || "")}`;
      $("spike").textContent =
        `⚠ 预警：${d.day} ${where} ${d.observed} 件，平时约 ${Number(d.expected).toFixed(1)} 件/天，点击查看数据看板`;
      $("spike").hidden = false;
      return;
    }
    const c = kOpen?.complaint;
    schedule(
      type === "open" ||
        (!!c && (d.complaintId === c.id || (!!d.groupId && (d.groupId === c.id || d.groupId === c.groupId)))),
    );
  });
}
function schedule(withOpen: boolean): void {
  kWant = kWant || withOpen;
  clearTimeout(kTimer);
  kTimer = window.setTimeout(() => {
    refreshComplaints();
    if (kWant && kOpenId) loadComplaint(kOpenId);
    else if (!kOpenId) showIdle();
    kWant = false;
  }, 80);
}

export async function refreshComplaints(): Promise<void> {
  if (!complaintRole()) return;
  const seq = ++kLSeq;
  try {
    const data = await api<{ complaints: ComplaintRow[] }>(`complaints${overdueOnly() ? "?overdue=1" : ""}`);
    if (seq !== kLSeq) return;
    kItems = data.complaints;
    renderList();
    addDepartments(kItems);
  } catch (err) {
    say((err as Error).message);
  }
}
function renderList(): void {
  const l = $("klist");
  l.textContent = "";
  const pending = kItems.filter((c) => c.state !== "closed");
  const section = (title: string, list: ComplaintRow[]) => {
    l.appendChild(h("div", "sec", `${title}（${list.length}）`));
    if (!list.length) l.appendChild(h("div", "empty", "暂无"));
    for (const c of list) l.appendChild(row(c));
  };
  section(overdueOnly() ? "超期未办结" : "办理中", pending);
  if (!overdueOnly())
    section(
      "已办结",
      kItems.filter((c) => c.state === "closed"),
    );
  const waiting = pending.filter((c) => c.state === "dispatched").length;
  tabButton("complaints").textContent = `诉求${waiting ? `（${waiting}）` : ""}`;
  if (!crisisRole()) document.title = `${waiting ? `(${waiting}) ` : ""}守望 · 诉求办理`;
}
function row(c: ComplaintRow): HTMLDivElement {
  const due = dueOf(c);
  const d = h("div", `case${due ? ` k-${due}` : ""}${c.state === "closed" ? " k-closed" : ""}`);
  d.dataset.id = c.id;
  if (kOpenId === c.id) d.classList.add("sel");
  const top = h("div", "row");
  top.append(
    h("strong", "", c.id),
    tag(KSTATE[c.state] || c.state, `s-${c.state}`),
    tag(catLabel(c.category) as string),
  );
  const g = groupTag(c);
  if (g) top.append(g);
  top.append(dueSpan(c));
  d.append(top, h("div", "first", c.what), h("div", "meta", `${placeOf(c)} · ${c.departmentName}`));
  d.addEventListener("click", () => loadComplaint(c.id));
  return d;
}
setInterval(() => {
  if (session.me && kItems.length) renderList();
}, 60000);

async function loadComplaint(id: string): Promise<void> {
  const seq = ++kSeq;
  try {
    const data = await api<ComplaintView>(`complaints/${id}`);
    if (seq !== kSeq) return;
    const switched = kOpenId !== id;
    kOpen = data;
    kOpenId = id;
    render(data, switched);
    $("complaints").classList.add("open");
    for (const r of document.querySelectorAll<HTMLElement>("#klist .case"))
      r.classList.toggle("sel", r.dataset.id === id);
  } catch (err) {
    // Re-dispatched to another department meanwhile: it is no longer ours to see.
    const code = (err as { code?: string }).code;
    if (id === kOpenId && (code === "forbidden" || code === "not_found")) {
      closeComplaint();
      showIdle();
    }
    say((err as Error).message);
  }
}
export function closeComplaint(): void {
  kOpen = null;
  kOpenId = null;
  ++kSeq;
  $("kview").hidden = true;
  $("knone").hidden = false;
  $("complaints").classList.remove("open");
  for (const r of document.querySelectorAll("#klist .case.sel")) r.classList.remove("sel");
}

function render(view: ComplaintView, switched: boolean): void {
  const c = view.complaint;
  $("knone").hidden = true;
  $("kstats").hidden = true;
  $("kview").hidden = false;

  const head = $("kHead");
  head.textContent = "";
  const t = h("div", "row");
  t.append(
    h("h2", "", c.id),
    tag(KSTATE[c.state] || c.state, `s-${c.state}`),
    tag(catLabel(c.category) as string),
  );
  const g = groupTag(c);
  if (g) t.append(g);
  head.append(t);
  const m = [`${fmtTime(c.openedAt)} 提交`, `承办：${c.departmentName}`];
  if (c.returns) m.push(`退单 ${c.returns} 次`);
  if (c.escalatedAt) m.push("已超期督办");
  head.append(h("div", "meta", m.join(" · ")));

  const body = $("kBody");
  body.textContent = "";
  const row = (k: string, v: string | null | undefined, cls?: string) => {
    if (v == null || v === "") return null;
    const dd = h("dd", cls || "", v);
    body.append(h("dt", "", k), dd);
    return dd;
  };
  row("情况", c.what);
  row("诉求", c.ask);
  row("地点", placeOf(c));
  row("联系方式", c.phone ? `电话 ${c.phone}` : "在对话中回复群众");
  row("派单依据", c.dispatchRule);
  row("受理期限", fmtDate(c.acceptBy) + (c.acceptedAt ? `（${fmtTime(c.acceptedAt)} 已受理）` : ""));
  const due = dueOf(c);
  const dd = row(
    "办理期限",
    fmtDate(c.handleBy) + (due === "over" ? " 已超期" : "") + (c.extended ? "（已延期）" : ""),
    due ? `due-${due}` : "",
  );
  const filed = view.events.find((e) => e.type === "filed");
  const notes = filed?.payload?.notes;
  if (dd && Array.isArray(notes) && notes.length) dd.title = notes.join("\n");
  row("延期原因", c.extensionReason);
  row("办理结果", c.result && (c.closedAt ? `${fmtTime(c.closedAt)} ` : "") + c.result);
  row("回访", c.resolved == null ? null : c.resolved ? "群众表示已解决" : "群众表示未解决");
  row("评价", c.rating == null ? null : `${c.rating} 分${c.ratingComment ? `：${c.ratingComment}` : ""}`);

  // Actions by state; the server enforces the same rules.
  const s = c.state;
  const working = s === "accepted" || s === "awaiting_info";
  const sup = supervisor();
  const show: Record<string, boolean> = {
    bAccept: s === "dispatched",
    bSplit: sup && !!c.groupId,
    fKReply: working,
    bExtend: working && !c.extended,
    bReturn: s === "dispatched" || s === "accepted",
    fKClose: working,
    fKRedispatch: sup && (s === "returned" || s === "dispatched" || s === "accepted"),
  };
  show.fKReason = !!(show.bExtend || show.bReturn);
  show.kBtns = !!(show.bAccept || show.bSplit);
  for (const id of Object.keys(show)) $(id).hidden = !show[id];
  const hint = s === "returned" && !sup ? "已退单，等待督办人员改派。" : "";
  $("kHint").textContent = hint;
  $("kHint").hidden = !hint;
  $("kActs").hidden = !hint && !Object.values(show).some(Boolean);

  const tl = $("ktimeline");
  tl.textContent = "";
  for (const e of view.events)
    tl.append(
      h("li", e.type === "supervised" || e.type === "possible_collective" ? "note" : "", eventText(e)),
    );

  const gr = $("kgroup");
  gr.textContent = "";
  $("kGroupBox").hidden = !view.group.length;
  for (const x of view.group) {
    const d = h("div", "case");
    const r = h("div", "row");
    r.append(
      h("strong", "", x.id),
      tag(KSTATE[x.state] || x.state, `s-${x.state}`),
      tag(x.id === c.groupId ? "牵头" : `相似度 ${pct(x.similarity)}`, "t-group"),
      h("span", "meta", x.departmentName),
    );
    d.append(r, h("div", "first", x.what));
    d.addEventListener("click", () => loadComplaint(x.id));
    gr.append(d);
  }
  if (switched) for (const id of ["tKReply", "tKReason", "tKResult", "tKDept"]) field(id).value = "";
}

const current = () => (kOpen as ComplaintView).complaint.id;
async function perform(path: string, body: unknown): Promise<void> {
  const res = await api<{ complaint?: Complaint }>(`complaints/${current()}/${path}`, body);
  if (res.complaint && kOpen && res.complaint.id === kOpenId) {
    kOpen.complaint = res.complaint;
    render(kOpen, false);
  }
  schedule(true);
}
const need = (id: string, min: number, text: string) => {
  const v = field(id).value.trim();
  if (v.length < min) {
    field(id).focus();
    throw new Error(text);
  }
  return v;
};
$("kOverdue").addEventListener("change", () => refreshComplaints());
$("bStats").addEventListener("click", () => {
  closeComplaint();
  showIdle();
  $("complaints").classList.add("open");
});
$("kback").addEventListener("click", () => {
  $("complaints").classList.remove("open");
});
$("bAccept").addEventListener(
  "click",
  act(() => perform("accept", {})),
);
$("bSplit").addEventListener(
  "click",
  act(async () => {
    if (!confirm(`确定把 ${current()} 从并单中拆出，单独办理？`)) return;
    await perform("split", {});
  }),
);
const submitter = (e: Event) => (e as SubmitEvent).submitter as HTMLButtonElement | null;
$("fKReply").addEventListener("submit", (e) =>
  act(async () => {
    const text = need("tKReply", 1, "请输入回复内容");
    const info = submitter(e)?.value === "request-info";
    await perform(info ? "request-info" : "reply", { text });
    field("tKReply").value = "";
  })(e),
);
$("tKReply").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    $<HTMLFormElement>("fKReply").requestSubmit();
  }
});
// Enter in the reason field would pick 延期 or 退单 for the clerk: they must click the one they mean.
$("tKReason").addEventListener("keydown", (e) => {
  if (e.key === "Enter") e.preventDefault();
});
$("fKReason").addEventListener("submit", (e) =>
  act(async () => {
    const by = submitter(e);
    if (!by) throw new Error("请点击「延期」或「退单」");
    const ret = by.value === "return";
    const reason = need("tKReason", 2, ret ? "退单需要写明原因" : "延期需要写明原因");
    if (ret && !confirm("确定退单？诉求将退回督办人员改派。")) return;
    await perform(ret ? "return" : "extend", { reason });
    field("tKReason").value = "";
  })(e),
);
$("fKClose").addEventListener(
  "submit",
  act(async () => {
    const result = need("tKResult", 2, "办结需要填写办理结果");
    if (!confirm("确定办结？办理结果会发送给群众。")) return;
    await perform("close", { result });
    field("tKResult").value = "";
  }),
);
$("fKRedispatch").addEventListener(
  "submit",
  act(async () => {
    const typed = need("tKDept", 2, "请输入要改派的部门名称");
    let departmentId = kDeptIds.get(typed) || (typed.includes("/") ? typed : "");
    if (!departmentId) {
      const found = (
        await api<{ departments: { id: string }[] }>(`departments?q=${encodeURIComponent(typed)}`)
      ).departments;
      if (found.length !== 1)
        throw new Error(found.length ? "匹配到多个部门，请从列表中选择一个" : "没有找到这个部门");
      departmentId = (found[0] as { id: string }).id;
    }
    await perform("redispatch", { departmentId });
    field("tKDept").value = "";
  }),
);
