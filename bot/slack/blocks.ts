import type { types } from "@slack/bolt";
import { OUTCOMES } from "../../handoff/case-actions.js";
import type { CaseRecord } from "../../handoff/case-records.js";
import { isOpen } from "../../handoff/case-state.js";
import type { StaffMember } from "../../handoff/roster.js";
import {
  channelLabel,
  chinaTime,
  escapeSlack,
  formatDuration,
  kindLabel,
  RISK_ICON,
  RISK_LABEL,
  SUBJECT_LABEL,
  stateLabel,
  texts,
} from "./texts.js";

export const ACTION = {
  claim: "shouwang_case_claim",
  transfer: "shouwang_case_transfer",
  resolve: "shouwang_case_resolve",
} as const;

export const VIEW = {
  transfer: "shouwang_case_transfer_modal",
  resolve: "shouwang_case_resolve_modal",
} as const;

export const FIELD = {
  transferTo: { block: "transfer_to", action: "staff" },
  outcome: { block: "outcome", action: "outcome" },
  followUp: { block: "follow_up", action: "text" },
} as const;

export interface CardContext {
  now: Date;
  /** How to show a staff member: a Slack mention when linked, else the display name. */
  holder?: string;
  transferTo?: string;
  /** Who this page is for (mentions), shown under the card. */
  notify?: string[];
}

const plain = (text: string): types.PlainTextElement => ({ type: "plain_text", text, emoji: true });
const mrkdwn = (text: string): types.MrkdwnElement => ({ type: "mrkdwn", text });

const slackDate = (iso: string) =>
  `<!date^${Math.floor(new Date(iso).getTime() / 1000)}^{date_short_pretty} {time}|${chinaTime(iso)}>`;

/** The line a notification shows: no citizen text in it (push notifications land on lock screens). */
export function cardFallback(c: CaseRecord): string {
  return `${RISK_ICON[c.risk]} ${RISK_LABEL[c.risk]} · ${kindLabel(c.kind)} ${c.id} · ${stateLabel(c.state)}`;
}

export function caseCard(c: CaseRecord, ctx: CardContext): types.KnownBlock[] {
  const open = isOpen(c.state);
  const waitedUntil = c.claimedAt ?? c.resolvedAt ?? ctx.now.toISOString();
  const waited = formatDuration(new Date(waitedUntil).getTime() - new Date(c.openedAt).getTime());
  const fields = [
    mrkdwn(`*${texts.card.risk}*\n${RISK_ICON[c.risk]} ${RISK_LABEL[c.risk]}`),
    mrkdwn(`*${texts.card.state}*\n${stateLabel(c.state)}`),
    mrkdwn(
      `*${texts.card.waited}*\n${c.claimedAt ? `${waited}后被认领` : open ? `已等待 ${waited}` : waited}`,
    ),
    mrkdwn(`*${texts.card.openedAt}*\n${slackDate(c.openedAt)}`),
    mrkdwn(`*${texts.card.channel}*\n${channelLabel(c.channel)}`),
    mrkdwn(`*${texts.card.subject}*\n${SUBJECT_LABEL[c.subject] ?? c.subject}`),
  ];
  if (ctx.holder) fields.push(mrkdwn(`*${texts.card.holder}*\n${ctx.holder}`));
  else if (ctx.transferTo) fields.push(mrkdwn(`*${texts.card.holder}*\n→ ${ctx.transferTo}`));

  const blocks: types.KnownBlock[] = [
    { type: "header", text: plain(`${RISK_ICON[c.risk]} ${kindLabel(c.kind)} ${c.id}`) },
    { type: "section", fields },
    {
      type: "section",
      text: mrkdwn(`*${texts.card.firstMessage}*\n>${escapeSlack(c.firstMessage).replaceAll("\n", "\n>")}`),
    },
  ];
  if (!open && c.outcome) {
    const lines = [`*${texts.card.outcome}*：${escapeSlack(c.outcome)}`];
    if (c.followUp) lines.push(`*${texts.card.followUp}*：${escapeSlack(c.followUp)}`);
    blocks.push({ type: "section", text: mrkdwn(lines.join("\n")) });
  }
  const context: string[] = [];
  if (open) context.push(texts.card.threadHint);
  if (c.escalations > 0) context.push(texts.card.escalations(c.escalations));
  if (open && ctx.notify && ctx.notify.length > 0)
    context.push(`${texts.card.notify}：${ctx.notify.join(" ")}`);
  if (context.length > 0) blocks.push({ type: "context", elements: context.map(mrkdwn) });

  if (open) {
    const buttons: types.Button[] = [];
    if (c.state === "waiting" || c.state === "transferred") {
      buttons.push({
        type: "button",
        action_id: ACTION.claim,
        text: plain(texts.card.claim),
        style: "primary",
        value: c.id,
      });
    }
    buttons.push({
      type: "button",
      action_id: ACTION.transfer,
      text: plain(texts.card.transfer),
      value: c.id,
    });
    buttons.push({
      type: "button",
      action_id: ACTION.resolve,
      text: plain(texts.card.resolve),
      style: "danger",
      value: c.id,
    });
    blocks.push({ type: "actions", block_id: `case_actions`, elements: buttons });
  }
  return blocks;
}

export interface ModalMetadata {
  caseId: string;
  channel: string;
  threadTs: string;
}

const ROLE_LABEL: Record<StaffMember["role"], string> = {
  counselor: "心理咨询师",
  supervisor: "督导",
  department: "部门",
  admin: "管理员",
  editor: "普法编辑",
};

export function transferModal(c: CaseRecord, candidates: StaffMember[], meta: ModalMetadata): types.View {
  return {
    type: "modal",
    callback_id: VIEW.transfer,
    private_metadata: JSON.stringify(meta),
    title: plain(texts.modal.transferTitle),
    submit: plain(texts.modal.submit),
    close: plain(texts.modal.cancel),
    blocks: [
      { type: "section", text: mrkdwn(`${RISK_ICON[c.risk]} *${c.id}* · ${RISK_LABEL[c.risk]}`) },
      {
        type: "input",
        block_id: FIELD.transferTo.block,
        label: plain(texts.modal.transferTo),
        element: {
          type: "static_select",
          action_id: FIELD.transferTo.action,
          placeholder: plain(texts.modal.transferPlaceholder),
          // Slack allows 100 options in a static select.
          options: candidates.slice(0, 100).map((s) => ({
            text: plain(`${s.displayName}（${ROLE_LABEL[s.role]}）`.slice(0, 75)),
            value: s.username,
          })),
        },
      },
    ],
  };
}

export function resolveModal(c: CaseRecord, meta: ModalMetadata): types.View {
  const imminent = c.risk === "imminent";
  return {
    type: "modal",
    callback_id: VIEW.resolve,
    private_metadata: JSON.stringify(meta),
    title: plain(texts.modal.resolveTitle),
    submit: plain(texts.modal.submit),
    close: plain(texts.modal.cancel),
    blocks: [
      { type: "section", text: mrkdwn(`${RISK_ICON[c.risk]} *${c.id}* · ${RISK_LABEL[c.risk]}`) },
      {
        type: "input",
        block_id: FIELD.outcome.block,
        label: plain(texts.modal.outcome),
        element: {
          type: "static_select",
          action_id: FIELD.outcome.action,
          placeholder: plain(texts.modal.outcomePlaceholder),
          options: OUTCOMES.map((o) => ({ text: plain(o), value: o })),
        },
      },
      {
        type: "input",
        block_id: FIELD.followUp.block,
        optional: !imminent,
        label: plain(texts.modal.followUp),
        hint: plain(imminent ? texts.modal.followUpImminentHint : texts.modal.followUpHint),
        element: {
          type: "plain_text_input",
          action_id: FIELD.followUp.action,
          multiline: true,
          max_length: 2000,
        },
      },
    ],
  };
}

export function parseMetadata(raw: string): ModalMetadata | undefined {
  try {
    const m = JSON.parse(raw) as Partial<ModalMetadata>;
    if (typeof m.caseId === "string" && typeof m.channel === "string" && typeof m.threadTs === "string")
      return { caseId: m.caseId, channel: m.channel, threadTs: m.threadTs };
  } catch {
    // fall through
  }
  return undefined;
}
