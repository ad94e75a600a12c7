import { $, h, say } from "../shared/dom.js";
import { fmtTime } from "./format.js";
import { act, api } from "./session.js";

// 普法 campaigns: editors and admins draft and preview; another admin approves; counts only, no subscribers.

interface Reply {
  text: string;
  buttons?: { label: string }[];
}
interface Audience {
  total: number;
  byChannel: Record<string, number>;
}
interface Status {
  recipients: number;
  sent: number;
  failed: number;
  skipped: number;
  skippedBy: Record<string, number>;
  queued: number;
  unsubscribedAfter: number;
  opens: number;
}
interface Campaign {
  id: number;
  title: string;
  stateLabel: string;
  sendAt: string;
  author: string;
  approver?: string | null;
  quietHours: string;
  weeklyCap: number;
}
interface Campaigns {
  campaigns: (Campaign & { status: Status })[];
  calendar: { name: string; sendAt: string; topics: string[] }[];
  topics: { id: string; name: string }[];
  channels: string[];
}
interface CampaignView {
  campaign: Campaign;
  status: Status;
  reply: Reply;
  can: { approve: boolean; pause: boolean; resume: boolean; cancel: boolean };
}

let gOpen: number | null = null;
let gMeta: Campaigns | null = null;
const G_CHANNEL: Record<string, string> = { web: "网页", telegram: "Telegram", wechat: "微信" };
const G_SKIP: Record<string, string> = {
  crisis_case: "危机个案中",
  recent_risk: "30 天内高危",
  with_counselor: "咨询师对话中",
  unsubscribed: "已退订",
  weekly_cap: "超过每周上限",
  cancelled: "推送已取消",
};
const input = (id: string) => $<HTMLInputElement>(id);
const csv = (id: string) =>
  input(id)
    .value.split(/[,，、\n]/)
    .map((x) => x.trim())
    .filter(Boolean);
const checked = (id: string) =>
  [...$(id).querySelectorAll<HTMLInputElement>("input:checked")].map((b) => b.value);

function showReply(el: HTMLElement, reply: Reply): void {
  el.textContent = "";
  const box = h("div", "preview", reply.text);
  if (reply.buttons?.length) {
    const chips = h("div", "chips");
    for (const b of reply.buttons) chips.appendChild(h("span", "", b.label));
    box.appendChild(chips);
  }
  el.appendChild(box);
}
const audienceText = (a: Audience) =>
  `将发送给 ${a.total} 位订阅者（${Object.entries(a.byChannel)
    .map(([c, n]) => `${G_CHANNEL[c] || c} ${n}`)
    .join("，")}）`;

export async function refreshCampaigns(): Promise<void> {
  const data = await api<Campaigns>("campaigns");
  gMeta = data;
  const list = $("glist");
  list.textContent = "";
  if (!data.campaigns.length) list.appendChild(h("div", "empty", "还没有普法推送"));
  for (const c of data.campaigns) {
    const item = h("div", "gitem");
    item.dataset.id = String(c.id);
    item.appendChild(h("div", "", `#${c.id} ${c.title}`));
    const s = c.status;
    item.appendChild(
      h("div", "meta", `${c.stateLabel} · ${fmtTime(c.sendAt)} · 已发 ${s.sent}/${s.recipients}`),
    );
    item.addEventListener("click", () => showCampaign(c.id).catch((err: Error) => say(err.message)));
    list.appendChild(item);
  }
  const cal = $("gcal");
  cal.textContent = "";
  for (const d of data.calendar) {
    const b = h("button", "", `${d.name}（${fmtTime(d.sendAt).split(" ")[0]}）`);
    b.type = "button";
    b.addEventListener("click", () => {
      newDraft();
      const local = new Date(Date.parse(d.sendAt) + 8 * 3600000).toISOString().slice(0, 16);
      input("gAt").value = local;
      for (const box of $("gTopics").querySelectorAll("input")) box.checked = d.topics.includes(box.value);
    });
    cal.appendChild(b);
  }
  if (gOpen) await showCampaign(gOpen);
}

function checkboxes(
  fieldset: string,
  items: { value: string; label: string; checked: boolean }[],
  name: string,
) {
  const box = $(fieldset);
  for (const l of box.querySelectorAll("label")) l.remove();
  for (const item of items) {
    const l = h("label");
    l.style.display = "inline-block";
    l.style.marginRight = "10px";
    const cb = document.createElement("input");
    cb.type = "checkbox";
    cb.value = item.value;
    if (item.checked) cb.checked = true;
    cb.name = name;
    l.append(cb, ` ${item.label}`);
    box.appendChild(l);
  }
}

function newDraft(): void {
  gOpen = null;
  $("gnone").hidden = true;
  $("gView").hidden = true;
  $("gForm").hidden = false;
  $("gPrev").textContent = "";
  $("campaigns").classList.add("open");
  checkboxes(
    "gTopics",
    (gMeta ? gMeta.topics : []).map((t) => ({ value: t.id, label: t.name, checked: false })),
    "topic",
  );
  checkboxes(
    "gChannels",
    (gMeta ? gMeta.channels : []).map((c) => ({ value: c, label: G_CHANNEL[c] || c, checked: true })),
    "channel",
  );
}

function draft() {
  const cap = Number(input("gCap").value);
  return {
    title: input("gTitle").value,
    body: $<HTMLTextAreaElement>("gBody").value,
    topics: checked("gTopics"),
    places: csv("gPlaces"),
    channels: checked("gChannels"),
    entries: csv("gEntries"),
    articles: csv("gArticles"),
    ...(input("gAt").value ? { sendAt: input("gAt").value } : {}),
    quietHours: input("gQuiet").value,
    ...(cap ? { weeklyCap: cap } : {}),
  };
}

async function showCampaign(id: number): Promise<void> {
  const d = await api<CampaignView>(`campaigns/${id}`);
  gOpen = id;
  $("gnone").hidden = true;
  $("gForm").hidden = true;
  $("gView").hidden = false;
  $("campaigns").classList.add("open");
  const c = d.campaign;
  const s = d.status;
  const head = $("gHead");
  head.textContent = "";
  head.append(
    h("h3", "", `#${c.id} ${c.title}`),
    h("div", "", c.stateLabel),
    h(
      "div",
      "meta",
      `起草：${c.author}${c.approver ? ` · 批准：${c.approver}` : ""} · 发送时间：${fmtTime(c.sendAt)} · 免打扰：${c.quietHours} · 每人每周最多 ${c.weeklyCap} 条`,
    ),
  );
  showReply($("gShow"), d.reply);
  const skipped = Object.entries(s.skippedBy)
    .map(([r, n]) => `${G_SKIP[r] || r} ${n}`)
    .join("，");
  $("gStats").textContent =
    `接收人 ${s.recipients} · 已发送 ${s.sent} · 失败 ${s.failed} · 跳过 ${s.skipped}${skipped ? `（${skipped}）` : ""} · 待发 ${s.queued} · 之后退订 ${s.unsubscribedAfter} · 「了解更多」 ${s.opens}`;
  $("gApprove").hidden = !d.can.approve;
  $("gPause").hidden = !d.can.pause;
  $("gResume").hidden = !d.can.resume;
  $("gCancel").hidden = !d.can.cancel;
}

$("gNew").addEventListener("click", () => newDraft());
$("gPreview").addEventListener(
  "click",
  act(async () => {
    const p = await api<{ reply: Reply; audience: Audience }>("campaigns/preview", draft());
    showReply($("gPrev"), p.reply);
    $("gPrev").appendChild(h("div", "meta", audienceText(p.audience)));
  }),
);
$("gForm").addEventListener(
  "submit",
  act(async () => {
    const r = await api<{ id: number; audience: Audience }>("campaigns", draft());
    await refreshCampaigns();
    await showCampaign(r.id);
    say(`已提交审核：${audienceText(r.audience)}`);
  }),
);
for (const [btn, action] of [
  ["gApprove", "approve"],
  ["gPause", "pause"],
  ["gResume", "resume"],
  ["gCancel", "cancel"],
] as const)
  $(btn).addEventListener(
    "click",
    act(async () => {
      await api(`campaigns/${gOpen}/${action}`, {});
      await refreshCampaigns();
    }),
  );
