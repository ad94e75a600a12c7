import type { types } from "@slack/bolt";
import { complaintCategoryById } from "../../handoff/complaint-categories.js";
import { COMPLAINT_STATE_LABELS, type ComplaintRecord } from "../../handoff/complaint-records.js";
import { chinaTime, escapeSlack, complaintTexts as t } from "./texts.js";

export const COMPLAINT_ACTION = {
  accept: "shouwang_complaint_accept",
  returnCase: "shouwang_complaint_return",
  close: "shouwang_complaint_close",
} as const;

export const COMPLAINT_VIEW = {
  returnCase: "shouwang_complaint_return_modal",
  close: "shouwang_complaint_close_modal",
} as const;

export const COMPLAINT_FIELD = {
  reason: { block: "return_reason", action: "text" },
  result: { block: "close_result", action: "text" },
} as const;

const plain = (text: string): types.PlainTextElement => ({ type: "plain_text", text, emoji: true });
const mrkdwn = (text: string): types.MrkdwnElement => ({ type: "mrkdwn", text });
const quote = (text: string) => `>${escapeSlack(text).replaceAll("\n", "\n>")}`;

export const categoryLabel = (id: string): string => complaintCategoryById(id)?.label ?? id;

export const placeOf = (c: ComplaintRecord): string =>
  [c.league, c.county, c.detail].filter((x): x is string => Boolean(x)).join(" ") || "—";

/** The notification line: number, category and state only (no citizen text, no phone number). */
export function complaintFallback(c: ComplaintRecord): string {
  return `📮 诉求 ${c.id} · ${categoryLabel(c.category)} · ${COMPLAINT_STATE_LABELS[c.state]}`;
}

/**
 * A complaint's card in a department channel. `here` is false on the card left in a department's channel after
 * the complaint was re-dispatched elsewhere: it says where it went and has no buttons. The phone number is
 * never on the card (a channel is wider than the audited console view).
 */
export function complaintCard(c: ComplaintRecord, here: boolean): types.KnownBlock[] {
  const fields = [
    mrkdwn(`*${t.card.category}*\n${escapeSlack(categoryLabel(c.category))}`),
    mrkdwn(`*${t.card.place}*\n${escapeSlack(placeOf(c))}`),
    mrkdwn(
      `*${t.card.state}*\n${here ? COMPLAINT_STATE_LABELS[c.state] : t.card.movedAway(escapeSlack(c.departmentName))}`,
    ),
    mrkdwn(`*${t.card.department}*\n${escapeSlack(c.departmentName)}`),
    mrkdwn(
      `*${t.card.acceptBy}*\n${c.acceptedAt ? `已于 ${chinaTime(c.acceptedAt)} 受理` : chinaTime(c.acceptBy)}`,
    ),
    mrkdwn(`*${t.card.handleBy}*\n${chinaTime(c.handleBy)}`),
  ];
  const blocks: types.KnownBlock[] = [
    { type: "header", text: plain(t.card.title(c.id)) },
    { type: "section", fields },
    { type: "section", text: mrkdwn(`*${t.card.what}*\n${quote(c.what || "—")}`) },
    { type: "section", text: mrkdwn(`*${t.card.ask}*\n${quote(c.ask || "—")}`) },
  ];
  if (c.state === "closed" && c.result)
    blocks.push({ type: "section", text: mrkdwn(`*${t.card.result}*：${escapeSlack(c.result)}`) });
  const context: string[] = [];
  if (c.urgent) context.push(t.card.urgent);
  if (c.contact === "phone") context.push(t.card.contactPhone);
  if (c.groupId) context.push(t.card.group(c.groupId));
  if (c.returns > 0) context.push(t.card.returns(c.returns));
  if (c.extended && c.extensionReason) context.push(escapeSlack(t.card.extended(c.extensionReason)));
  if (here && c.state !== "closed" && c.state !== "returned") context.push(t.card.threadHint);
  if (context.length > 0) blocks.push({ type: "context", elements: context.map(mrkdwn) });

  if (here) {
    const buttons: types.Button[] = [];
    const button = (action_id: string, text: string, style?: "primary" | "danger"): types.Button => ({
      type: "button",
      action_id,
      text: plain(text),
      value: c.id,
      ...(style ? { style } : {}),
    });
    if (c.state === "dispatched") buttons.push(button(COMPLAINT_ACTION.accept, t.card.accept, "primary"));
    if (c.state === "dispatched" || c.state === "accepted")
      buttons.push(button(COMPLAINT_ACTION.returnCase, t.card.returnCase));
    if (c.state === "accepted" || c.state === "awaiting_info")
      buttons.push(button(COMPLAINT_ACTION.close, t.card.close, "danger"));
    if (buttons.length > 0)
      blocks.push({ type: "actions", block_id: "complaint_actions", elements: buttons });
  }
  return blocks;
}

export interface ComplaintModalMetadata {
  complaintId: string;
  channel: string;
  threadTs: string;
}

function textModal(
  callbackId: string,
  title: string,
  c: ComplaintRecord,
  field: { block: string; action: string },
  label: string,
  hint: string,
  meta: ComplaintModalMetadata,
): types.View {
  return {
    type: "modal",
    callback_id: callbackId,
    private_metadata: JSON.stringify(meta),
    title: plain(title),
    submit: plain(t.modal.submit),
    close: plain(t.modal.cancel),
    blocks: [
      {
        type: "section",
        text: mrkdwn(`📮 *${c.id}* · ${escapeSlack(categoryLabel(c.category))} · ${escapeSlack(placeOf(c))}`),
      },
      {
        type: "input",
        block_id: field.block,
        label: plain(label),
        hint: plain(hint),
        element: { type: "plain_text_input", action_id: field.action, multiline: true, max_length: 2000 },
      },
    ],
  };
}

export const returnModal = (c: ComplaintRecord, meta: ComplaintModalMetadata): types.View =>
  textModal(
    COMPLAINT_VIEW.returnCase,
    t.modal.returnTitle,
    c,
    COMPLAINT_FIELD.reason,
    t.modal.reason,
    t.modal.reasonHint,
    meta,
  );

export const closeModal = (c: ComplaintRecord, meta: ComplaintModalMetadata): types.View =>
  textModal(
    COMPLAINT_VIEW.close,
    t.modal.closeTitle,
    c,
    COMPLAINT_FIELD.result,
    t.modal.result,
    t.modal.resultHint,
    meta,
  );

export function parseComplaintMetadata(raw: string): ComplaintModalMetadata | undefined {
  try {
    const m = JSON.parse(raw) as Partial<ComplaintModalMetadata>;
    if (typeof m.complaintId === "string" && typeof m.channel === "string" && typeof m.threadTs === "string")
      return { complaintId: m.complaintId, channel: m.channel, threadTs: m.threadTs };
  } catch {
    // fall through
  }
  return undefined;
}
