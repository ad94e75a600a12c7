import type { CaseState } from "../../handoff/case-state.js";
import type { RiskLevel } from "../../intents/crisis-risk.js";
import type { Channel, HandoffReason } from "../../store/conversations.js";

/** Staff-facing Slack text (Simplified Chinese). Citizen-facing text stays in bot/messages.ts. */
export const RISK_LABEL: Record<RiskLevel, string> = {
  imminent: "紧急",
  high: "高危",
  distress: "情绪困扰",
  none: "一般",
};

export const RISK_ICON: Record<RiskLevel, string> = {
  imminent: "🔴",
  high: "🟠",
  distress: "🟡",
  none: "⚪",
};

// Partial maps with a fallback at the call site: a new channel or handoff kind elsewhere must not break Slack.
export const KIND_LABEL: Partial<Record<HandoffReason, string>> = {
  crisis: "危机个案",
  distress: "情绪支持",
  human: "转人工",
};

export const STATE_LABEL: Partial<Record<CaseState, string>> = {
  waiting: "等待认领",
  claimed: "已认领",
  active: "处理中",
  transferred: "已转交，等待对方认领",
  resolved: "已结案",
  closed: "已关闭",
  abandoned: "无法联系，已结案",
};

export const CHANNEL_LABEL: Partial<Record<Channel, string>> = {
  web: "网页",
  telegram: "Telegram",
  slack: "Slack",
  cli: "终端",
};

export const SUBJECT_LABEL: Record<string, string> = { self: "本人", other: "第三方（求助者为他人担心）" };

export const kindLabel = (kind: string): string => KIND_LABEL[kind as HandoffReason] ?? kind;
export const stateLabel = (state: string): string => STATE_LABEL[state as CaseState] ?? state;
export const channelLabel = (channel: string): string => CHANNEL_LABEL[channel as Channel] ?? channel;

export const texts = {
  notLinked: (slackUserId: string) =>
    `你的 Slack 账号尚未关联守望工作人员账号，不能处理个案。请管理员运行：npx shouwang slack link ${slackUserId} <用户名>`,
  claimed: (caseId: string) =>
    `你已认领个案 ${caseId}。在此卡片的消息串中直接回复即可发给当事人；以 // 开头的消息只作内部备注，不会发出。`,
  claimedThread: (who: string) => `✅ ${who} 已认领此个案。`,
  transferredThread: (to: string) => `📨 个案已转交给 ${to}，请认领。`,
  resolvedThread: (who: string, outcome: string) => `☑️ ${who} 已结案：${outcome}`,
  escalatedThread: (mentions: string, escalations: number) =>
    `⏰ 仍无人认领（第 ${escalations} 次提醒）。${mentions}`,
  riskRaisedThread: (risk: RiskLevel, mentions: string) =>
    `⚠️ 风险升级为 ${RISK_ICON[risk]} ${RISK_LABEL[risk]}。${mentions}`,
  citizenSays: (text: string) => `👤 *当事人*：${text}`,
  /** From another conversation that joined the case (the same person in a second tab). */
  citizenSaysIn: (n: number, text: string) => `👤 *当事人（第${n}段对话）*：${text}`,
  consoleStaffSays: (who: string, text: string) => `💬 *${who}*（控制台）：${text}`,
  noteSaved: "已记为内部备注，未发送给当事人。",
  notHolder: "只有正在处理此个案的工作人员可以回复当事人。以 // 开头的消息会记为内部备注。",
  notOpen: "此个案已结束，消息没有发送给当事人。",
  attachmentRefused: "附件、图片不会转给当事人，请用文字回复。",
  replyStoredNotPushed: "回复已保存，但推送到当事人渠道时出错；当事人刷新页面后会看到，请不要重复发送。",
  replyFailed: "发送失败，请稍后重试或到控制台回复。",
  somethingWrong: "操作失败，请稍后重试或到控制台处理。",
  noTransferTarget: "目前没有可以转交的心理咨询师或督导。",
  followUpRequired: "紧急个案结案前必须填写随访确认：是否确认紧急救援已到达当事人",
  caseGone: "找不到这个个案，可能已被删除。",
  caseClosed: "此个案已结束。",
  onlyHolder: "只有正在处理此个案的工作人员（或督导）可以这样做。",
  modal: {
    transferTitle: "转交个案",
    resolveTitle: "结案",
    submit: "确定",
    cancel: "取消",
    transferTo: "转交给",
    transferPlaceholder: "选择同事",
    outcome: "处理结果",
    outcomePlaceholder: "选择结果",
    followUp: "随访确认",
    followUpImminentHint: "紧急个案必填：是否确认 110/120 等紧急救援已到达当事人，如何确认的。",
    followUpHint: "可选：后续安排、转介去向等。",
  },
  card: {
    risk: "风险等级",
    state: "状态",
    waited: "等待时间",
    channel: "来源",
    subject: "当事人",
    holder: "处理人",
    openedAt: "开始时间",
    firstMessage: "首条消息",
    outcome: "结果",
    followUp: "随访",
    notify: "通知",
    escalations: (n: number) => `已升级提醒 ${n} 次`,
    claim: "认领",
    transfer: "转交",
    resolve: "结案",
    threadHint: "认领后在消息串中回复即发送给当事人；以 // 开头为内部备注。",
  },
} as const;

/** "不到 1 分钟", "12 分钟", "1 小时 5 分钟". */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 1) return "不到 1 分钟";
  if (minutes < 60) return `${minutes} 分钟`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} 小时` : `${hours} 小时 ${rest} 分钟`;
}

/** China Standard Time, for the fallback of Slack's date token (clients show the viewer's own zone). */
export function chinaTime(iso: string): string {
  const d = new Date(new Date(iso).getTime() + 8 * 3600_000);
  return `${d.toISOString().slice(0, 16).replace("T", " ")}（北京时间）`;
}

/** Text from outside (a citizen) shown in Slack: no mentions, links or formatting can be injected. */
export function escapeSlack(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/**
 * A staff member's Slack message as plain text for the citizen: `<@U1>` mentions and `<url|label>` links
 * become readable text, HTML entities are decoded.
 */
export function slackToPlain(
  text: string,
  names: (userId: string) => string | undefined = () => undefined,
): string {
  return text
    .replace(
      /<@([UW][A-Z0-9]+)(?:\|([^>]*))?>/g,
      (_m, id: string, label?: string) => `@${label ?? names(id) ?? id}`,
    )
    .replace(/<#C[A-Z0-9]+\|([^>]*)>/g, (_m, name: string) => `#${name}`)
    .replace(/<!(here|channel|everyone)(?:\|[^>]*)?>/g, "")
    .replace(/<!subteam\^[A-Z0-9]+(?:\|([^>]*))?>/g, (_m, label?: string) => label ?? "")
    .replace(/<((?:https?|mailto|tel):[^|>]+)\|([^>]+)>/g, (_m, url: string, label: string) =>
      label === url.replace(/^(mailto|tel):/, "") ? label : `${label}（${url}）`,
    )
    .replace(/<((?:https?|mailto|tel):[^>]+)>/g, (_m, url: string) => url.replace(/^(mailto|tel):/, ""))
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&")
    .trim();
}

/** Staff-facing text of the complaint cards in department channels. */
export const complaintTexts = {
  notYourDepartment: "这不是你所在部门的诉求，不能在此处理。",
  notAllowed: "你的角色不能处理诉求（只有承办部门的工作人员或督办人员可以）。",
  gone: "找不到这件诉求，可能已被删除。",
  movedAway: (department: string) => `此诉求已改派至 ${department}，这里不能再处理。`,
  acceptFirst: "请先受理：点击卡片上的「受理」后，在消息串中回复即发送给市民。",
  notOpen: "此诉求当前不能回复市民（已退单或已办结）。",
  accepted: (id: string) => `你已受理诉求 ${id}。在此卡片的消息串中直接回复即发送给市民。`,
  acceptedThread: (who: string) => `✅ ${who} 已受理。`,
  returnedThread: (who: string, reason: string) => `↩️ ${who} 已退单：${reason}`,
  closedThread: (who: string, result: string) => `☑️ ${who} 已办结：${result}`,
  replyFailed: "回复没有发出，请稍后重试或到控制台回复。",
  reasonRequired: "请填写退单理由。",
  resultRequired: "请填写办理结果。",
  card: {
    title: (id: string) => `📮 诉求 ${id}`,
    category: "类别",
    place: "地点",
    state: "状态",
    department: "承办部门",
    acceptBy: "受理期限",
    handleBy: "办结期限",
    what: "诉求内容",
    ask: "诉求",
    result: "办理结果",
    urgent: "⚡ 紧急诉求",
    extended: (reason: string) => `已延期：${reason}`,
    returns: (n: number) => `已退单 ${n} 次`,
    group: (lead: string) => `可能的集体诉求，并入 ${lead}`,
    contactPhone: "市民希望电话联系（号码请在控制台查看）",
    movedAway: (department: string) => `已改派至 ${department}`,
    threadHint: "受理后在消息串中回复即发送给市民。",
    accept: "受理",
    returnCase: "退单",
    close: "办结",
  },
  modal: {
    returnTitle: "退单",
    closeTitle: "办结",
    submit: "确定",
    cancel: "取消",
    reason: "退单理由",
    reasonHint: "例如：不属于本部门职责，应由某部门办理。",
    result: "办理结果",
    resultHint: "将发送给市民，并请市民评价。",
  },
} as const;
