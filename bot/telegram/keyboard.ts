import { createHash } from "node:crypto";
import type { InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup } from "grammy/types";
import type { Button } from "../../handoff/reply.js";
import { MAIN_BUTTONS, telegramMessages } from "../messages.js";

/** Telegram's limits: callback_data is 1-64 bytes, a message 1-4096 characters (UTF-16 code units). */
export const CALLBACK_DATA_BYTES = 64;
export const MESSAGE_CHARS = 4096;

export interface EncodedPayload {
  data: string;
  /** Set when the payload does not fit: it must be stored under `key` before the button is sent. */
  stored?: { key: string; payload: string };
}

/**
 * `p:<payload>` when it fits in 64 bytes (Chinese is 3 bytes a character, so about 20 characters), otherwise
 * `h:<hash>` of the payload, kept server-side. The hash is deterministic, so the same long payload (a knowledge
 * question offered again and again) is one row, not one per message.
 */
export function encodePayload(payload: string): EncodedPayload {
  const inline = `p:${payload}`;
  if (Buffer.byteLength(inline, "utf8") <= CALLBACK_DATA_BYTES) return { data: inline };
  const key = createHash("sha256").update(payload, "utf8").digest("base64url").slice(0, 22);
  return { data: `h:${key}`, stored: { key, payload } };
}

/** The payload a pressed button carries; undefined when it is unknown (forged, or from a pruned store). */
export async function decodePayload(
  data: string,
  lookup: (key: string) => Promise<string | undefined>,
): Promise<string | undefined> {
  if (data.startsWith("p:")) return data.slice(2) || undefined;
  if (data.startsWith("h:")) return lookup(data.slice(2));
  return undefined;
}

/** The engine's main menu (咨询政策法规, 心理支持, 我要投诉, 查询进度, 转人工). */
export function isMainMenu(buttons: readonly Button[]): boolean {
  return (
    buttons.length === MAIN_BUTTONS.length &&
    buttons.every((b, i) => b.payload === MAIN_BUTTONS[i]?.payload && b.label === b.payload)
  );
}

/**
 * The main menu becomes a persistent reply keyboard: it stays under the text box, and a tap sends its label as
 * an ordinary message, which the engine reads as a command. Every other set of buttons is an inline keyboard.
 */
export function mainKeyboard(): ReplyKeyboardMarkup {
  const b = MAIN_BUTTONS.map((x) => ({ text: x.label }));
  const rows = [b.slice(0, 2), b.slice(2, 4), b.slice(4)].filter((r) => r.length > 0);
  return {
    keyboard: rows,
    resize_keyboard: true,
    is_persistent: true,
    input_field_placeholder: telegramMessages.inputPlaceholder,
  };
}

export interface Markup {
  markup?: InlineKeyboardMarkup | ReplyKeyboardMarkup;
  stored: { key: string; payload: string }[];
}

export function markupFor(buttons: readonly Button[] | undefined): Markup {
  if (!buttons || buttons.length === 0) return { stored: [] };
  if (isMainMenu(buttons)) return { markup: mainKeyboard(), stored: [] };
  const stored: { key: string; payload: string }[] = [];
  const cells: InlineKeyboardButton[] = buttons.map((b) => {
    const enc = encodePayload(b.payload);
    if (enc.stored) stored.push(enc.stored);
    return { text: b.label, callback_data: enc.data };
  });
  // Short labels two to a row; knowledge-base questions get a row each so they are readable on a phone.
  const short = buttons.every((b) => b.label.length <= 6);
  const rows: InlineKeyboardButton[][] = [];
  for (let i = 0; i < cells.length; i += short ? 2 : 1) rows.push(cells.slice(i, i + (short ? 2 : 1)));
  return { markup: { inline_keyboard: rows }, stored };
}

/** Splits at line breaks where possible so that no part exceeds Telegram's message length. */
export function splitText(text: string, max = MESSAGE_CHARS): string[] {
  if (text.length <= max) return [text];
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = rest.lastIndexOf("\n", max);
    if (cut < max / 2) cut = max;
    // Never cut a surrogate pair in half.
    const code = rest.charCodeAt(cut - 1);
    if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
    parts.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^\n/, "");
  }
  if (rest.length > 0) parts.push(rest);
  return parts;
}
