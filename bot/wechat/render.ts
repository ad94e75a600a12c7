import type { Reply } from "../../handoff/reply.js";
import { wechatMessages } from "../messages.js";

/** WeChat refuses text over 2,048 bytes (passive replies and customer-service messages alike); a margin. */
export const MAX_TEXT_BYTES = 2000;

/** One reply as WeChat text: buttons become the words to send, call buttons a line of numbers, staff a prefix. */
export function replyText(r: Reply): string {
  const lines = [
    r.kind === "staff" ? `${r.sender ? `【${r.sender}】` : wechatMessages.staffPrefix}${r.text}` : r.text,
  ];
  const calls = (r.calls ?? []).filter((c) => !r.text.includes(c.number));
  if (calls.length > 0) lines.push(wechatMessages.callsLine(calls));
  if (r.buttons && r.buttons.length > 0)
    lines.push(wechatMessages.buttonsHint(r.buttons.map((b) => b.payload)));
  return lines.join("\n");
}

/** Splits text into pieces of at most `maxBytes` UTF-8 bytes, at line breaks where it can. */
export function splitBytes(text: string, maxBytes = MAX_TEXT_BYTES): string[] {
  const out: string[] = [];
  let current = "";
  let currentBytes = 0;
  const push = () => {
    if (current) out.push(current);
    current = "";
    currentBytes = 0;
  };
  for (const line of text.split("\n")) {
    const piece = current ? `\n${line}` : line;
    const bytes = Buffer.byteLength(piece);
    if (currentBytes + bytes <= maxBytes) {
      current += piece;
      currentBytes += bytes;
      continue;
    }
    push();
    // A line longer than the limit is cut by characters (whole code points).
    for (const ch of line) {
      const b = Buffer.byteLength(ch);
      if (currentBytes + b > maxBytes) push();
      current += ch;
      currentBytes += b;
    }
  }
  push();
  return out;
}

/** A turn's replies as the texts to send, in order: one WeChat message per reply, split where too long. */
export function renderReplies(replies: readonly Reply[]): string[] {
  return replies.flatMap((r) => splitBytes(replyText(r)));
}
