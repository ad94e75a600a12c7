import { $, h, say } from "../shared/dom.js";
import {
  CASE_ID,
  type Case,
  type CaseRow,
  type CaseView,
  CHANNEL,
  caseEventText,
  KIND,
  label,
  RISK,
  RISK_KIND,
  STATE,
  type StaffMember,
} from "./crisis-labels.js";
import { fmtTime, since, tag } from "./format.js";
import { listen } from "./live.js";
import { act, api, crisisRole, me, session } from "./session.js";
import { beep } from "./sound.js";
import { showTab, tabButton } from "./tabs.js";
import { renderJoined, renderTranscript } from "./transcript.js";

// The crisis queue and one case: the transcript with its risk marks, the case's timeline, and the counselor's
// actions (claim, reply, note, transfer, release, resolve).

let closedMine: CaseRow[] = [];
let cases: CaseRow[] = [];
let open: CaseView | null = null;
let openId: string | null = null;
let staffList: StaffMember[] | null = null;
let qSeq = 0;
let cSeq = 0;
let timer = 0;
let wantCase = false;

const field = (id: string) => $<HTMLInputElement | HTMLTextAreaElement>(id);

export function connectCrisis(): void {
  listen<{ risk: string; caseId: string; conversationId: string }>(
    "crisis",
    "/console/api/stream",
    ["page", "case", "conversation"],
    (type, d) => {
      if (type === "open") return schedule(true);
      // Imminent: three tones and a red banner; high: one tone and an amber banner.
      if (type === "page" && (d.risk === "imminent" || d.risk === "high")) {
        beep(d.risk);
        alarm(d.caseId, d.risk);
      }
      schedule(!!open && (d.caseId === open.case.id || ofOpenCase(d.conversationId)));
    },
  );
}
/** The conversation is the open case's own or one that joined it: its new messages belong in the view. */
const ofOpenCase = (conversationId: string | undefined): boolean =>
  !!open &&
  !!conversationId &&
  (conversationId === open.case.conversationId ||
    (open.joined || []).some((j) => j.conversationId === conversationId));
function schedule(withCase: boolean): void {
  wantCase = wantCase || withCase;
  clearTimeout(timer);
  timer = window.setTimeout(() => {
    refreshQueue();
    if (wantCase && openId) loadCase(openId);
    wantCase = false;
  }, 80);
}
function alarm(caseId: string | undefined, risk: string | undefined): void {
  const a = $("alarm");
  if (risk !== "imminent" && !a.hidden && a.dataset.risk === "imminent") return;
  a.dataset.risk = risk || "imminent";
  a.textContent = `${risk === "high" ? "⚠ 高危个案 " : "⚠ 紧急个案 "}${caseId || ""} 等待认领，点击查看`;
  a.hidden = false;
  a.onclick = () => {
    a.hidden = true;
    showTab("crisis");
    if (CASE_ID.test(caseId || "")) loadCase(caseId as string);
  };
}

// ---- queue
export async function refreshQueue(): Promise<void> {
  if (!crisisRole()) return;
  const seq = ++qSeq;
  try {
    const data = await api<{ cases: CaseRow[]; closed?: CaseRow[] }>("queue");
    if (seq !== qSeq) return;
    // Unclaimed imminent cases first, whatever else the order says.
    const top = (c: CaseRow) =>
      c.risk === "imminent" && (c.state === "waiting" || c.state === "transferred") ? 0 : 1;
    closedMine = data.closed || [];
    cases = data.cases
      .map((c, i) => ({ c, i }))
      .sort((a, b) => top(a.c) - top(b.c) || a.i - b.i)
      .map((x) => x.c);
    renderQueue();
  } catch (err) {
    say((err as Error).message);
  }
}
function renderQueue(): void {
  const q = $("queue");
  q.textContent = "";
  const waiting = cases.filter((c) => c.state === "waiting" || c.state === "transferred");
  const held = cases.filter((c) => !waiting.includes(c));
  const section = (title: string, list: CaseRow[]) => {
    q.appendChild(h("div", "sec", `${title}（${list.length}）`));
    if (!list.length) q.appendChild(h("div", "empty", "暂无"));
    for (const c of list) q.appendChild(caseRow(c));
  };
  section("等待认领", waiting);
  section("处理中", held);
  if (closedMine.length) section("我最近结案", closedMine);
  if (!waiting.some((c) => c.risk === "imminent" || c.risk === "high")) $("alarm").hidden = true;
  document.title = `${waiting.length ? `(${waiting.length}) ` : ""}守望 · 值班台`;
  tabButton("crisis").textContent = `危机个案${waiting.length ? `（${waiting.length}）` : ""}`;
}
function waitSpan(openedAt: string): HTMLSpanElement {
  const w = h("span", "wait", since(openedAt));
  w.dataset.since = openedAt;
  return w;
}
function caseRow(c: CaseRow): HTMLDivElement {
  const d = h("div", `case r-${c.risk} ${c.state}`);
  d.dataset.id = c.id;
  if (openId === c.id) d.classList.add("sel");
  const top = h("div", "row");
  top.append(
    tag(label(RISK, c.risk), `t-${c.risk}`),
    tag(label(STATE, c.state)),
    tag(label(CHANNEL, c.channel)),
    tag(label(KIND, c.kind)),
  );
  if (c.subject === "other") top.append(tag("为他人求助"));
  const riskKind = c.riskKind && RISK_KIND[c.riskKind];
  if (riskKind) top.append(tag(riskKind, "t-imminent"));
  if ((c.conversations || 1) > 1) top.append(tag(`${c.conversations} 段对话`, "t-joined"));
  const w = waitSpan(c.openedAt);
  w.title = "开案至今（分:秒）";
  top.append(w);
  d.append(top, h("div", "first", c.firstMessage));
  const bottom = h("div", "row meta");
  bottom.append(h("span", "", c.id));
  if (c.escalations) bottom.append(h("span", "", `已升级 ${c.escalations} 次`));
  if (c.state === "waiting" || (c.state === "transferred" && c.transferTo === me().id)) {
    const b = h("button", "pri claim", "认领");
    b.type = "button";
    b.addEventListener("click", (e) => {
      e.stopPropagation();
      act(async () => {
        await claim(c.id);
      })(e);
    });
    bottom.append(b);
  }
  d.append(bottom);
  d.addEventListener("click", () => loadCase(c.id));
  return d;
}
setInterval(() => {
  for (const w of document.querySelectorAll<HTMLElement>(".wait[data-since]"))
    w.textContent = since(w.dataset.since as string);
}, 1000);

async function claim(id: string): Promise<void> {
  await api(`cases/${id}/claim`, {});
  refreshQueue();
  await loadCase(id);
}

// ---- case view
export async function loadCase(id: string): Promise<void> {
  const seq = ++cSeq;
  try {
    const data = await api<CaseView>(`cases/${id}`);
    if (seq !== cSeq) return;
    const switched = openId !== id;
    open = data;
    openId = id;
    renderCase(data, switched);
    $("crisis").classList.add("open");
    for (const r of document.querySelectorAll<HTMLElement>("#queue .case"))
      r.classList.toggle("sel", r.dataset.id === id);
  } catch (err) {
    // The open case went out of reach (claimed by a colleague, transferred away): close it.
    const code = (err as { code?: string }).code;
    if (id === openId && (code === "forbidden" || code === "not_found")) closeCase();
    say((err as Error).message);
  }
}
export function closeCase(): void {
  open = null;
  openId = null;
  ++cSeq;
  $("cview").hidden = true;
  $("none").hidden = false;
  $("crisis").classList.remove("open");
  for (const r of document.querySelectorAll("#queue .case.sel")) r.classList.remove("sel");
}

function renderCase(view: CaseView, switched: boolean): void {
  const c = view.case;
  const staff = me();
  $("none").hidden = true;
  $("cview").hidden = false;
  const head = $("cHead");
  head.textContent = "";
  const t = h("div", "row");
  t.append(
    h("h2", "", c.id),
    tag(label(RISK, c.risk), `t-${c.risk}`),
    tag(label(STATE, c.state)),
    tag(label(CHANNEL, c.channel)),
    tag(label(KIND, c.kind)),
  );
  const riskKind = c.riskKind && RISK_KIND[c.riskKind];
  if (riskKind) t.append(tag(riskKind, "t-imminent"));
  head.append(t);
  const m = h("div", "meta");
  m.append(h("span", "", `开案 ${fmtTime(c.openedAt)}`));
  if (c.state === "waiting" || c.state === "transferred")
    m.append(h("span", "", " · 已等待 "), waitSpan(c.openedAt));
  else if (c.claimedAt) m.append(h("span", "", ` · 认领 ${fmtTime(c.claimedAt)}`));
  if (c.subject === "other") m.append(h("span", "", " · 为他人求助"));
  if (c.outcome)
    m.append(h("span", "", ` · 结果：${c.outcome}${c.followUp ? `（随访：${c.followUp}）` : ""}`));
  head.append(m);

  // Transcript: each citizen message carries the risk mark of the `understood` event that follows it.
  const tr = $("transcript");
  const atBottom = tr.scrollHeight - tr.scrollTop - tr.clientHeight < 40;
  renderTranscript(tr, view.transcript);
  if (switched || atBottom) tr.scrollTop = tr.scrollHeight;
  renderJoined($("joinedBox"), $("joined"), view.joined || []);

  const tl = $("timeline");
  tl.textContent = "";
  for (const e of view.caseEvents) tl.append(h("li", e.type === "note" ? "note" : "", caseEventText(e)));

  const pv = $("previous");
  pv.textContent = "";
  if (!view.previous.length) pv.append(h("div", "meta", "无"));
  for (const pc of view.previous) {
    const d = h("div", `case r-${pc.risk}`);
    const r = h("div", "row");
    r.append(
      h("strong", "", pc.id),
      tag(label(RISK, pc.risk), `t-${pc.risk}`),
      tag(label(STATE, pc.state)),
      h("span", "meta", fmtTime(pc.openedAt)),
    );
    if (pc.outcome) r.append(tag(pc.outcome));
    d.append(r, h("div", "first", pc.firstMessage));
    d.addEventListener("click", () => loadCase(pc.id));
    pv.append(d);
  }

  const holder = c.holderId === staff.id || (staff.role === "supervisor" && c.holderId !== null);
  const canClaim =
    (staff.role === "counselor" || staff.role === "supervisor") &&
    (c.state === "waiting" ||
      (c.state === "transferred" && (c.transferTo === staff.id || staff.role === "supervisor")));
  $("bClaim").hidden = !canClaim;
  $("fReply").hidden = !(holder && (c.state === "claimed" || c.state === "active"));
  $("fTransfer").hidden = !holder;
  $("fResolve").hidden = !holder;
  $("lFollow").hidden = c.risk !== "imminent";
  $("tFollow").setAttribute("aria-required", String(c.risk === "imminent"));
  if (holder && !staffList) loadStaff();
  if (switched) {
    field("tReply").value = "";
    field("tNote").value = "";
    field("tFollow").value = "";
  }
}
async function loadStaff(): Promise<void> {
  try {
    const list = (await api<{ staff: StaffMember[] }>("staff")).staff;
    staffList = list;
    const s = $("sTo");
    s.textContent = "";
    s.appendChild(new Option("选择转交对象…", ""));
    for (const m of list)
      if (m.username !== session.me?.username)
        s.appendChild(new Option(`${m.displayName || m.username}（${m.role}）`, m.username));
  } catch (err) {
    staffList = null;
    say((err as Error).message);
  }
}
const opened = (): Case => (open as CaseView).case;
const cur = () => opened().id;
const after = async () => {
  await loadCase(cur());
  refreshQueue();
};
$("bClaim").addEventListener(
  "click",
  act(() => claim(cur())),
);
$("back").addEventListener("click", () => {
  $("crisis").classList.remove("open");
});
$("fReply").addEventListener(
  "submit",
  act(async () => {
    const text = field("tReply").value.trim();
    if (!text) throw new Error("请输入回复内容");
    await api(`cases/${cur()}/reply`, { text });
    field("tReply").value = "";
    await after();
  }),
);
$("tReply").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    $<HTMLFormElement>("fReply").requestSubmit();
  }
});
$("fNote").addEventListener(
  "submit",
  act(async () => {
    const text = field("tNote").value.trim();
    if (!text) throw new Error("请输入备注内容");
    await api(`cases/${cur()}/note`, { text });
    field("tNote").value = "";
    await after();
  }),
);
$("fTransfer").addEventListener(
  "submit",
  act(async () => {
    const to = $<HTMLSelectElement>("sTo").value;
    if (!to) throw new Error("请选择转交对象");
    await api(`cases/${cur()}/transfer`, { to });
    closeCase();
    refreshQueue();
    say(`个案已转交给 ${$<HTMLSelectElement>("sTo").selectedOptions[0]?.textContent}`);
  }),
);
$("bRelease").addEventListener(
  "click",
  act(async () => {
    if (!confirm("确定把个案放回队列？")) return;
    await api(`cases/${cur()}/release`, {});
    await after();
  }),
);
$("fResolve").addEventListener(
  "submit",
  act(async () => {
    const outcome = $<HTMLSelectElement>("sOut").value;
    const followUp = field("tFollow").value.trim();
    if (opened().risk === "imminent" && !followUp)
      throw new Error("紧急个案结案前必须填写随访确认：是否确认紧急救援已到达当事人");
    if (!confirm(`确定以「${outcome}」结案？`)) return;
    await api(`cases/${cur()}/resolve`, followUp ? { outcome, followUp } : { outcome });
    field("tFollow").value = "";
    await after();
  }),
);
