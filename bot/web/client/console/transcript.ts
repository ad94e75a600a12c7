import { h } from "../shared/dom.js";
import { label, placeText, RISK, reasonText, type TranscriptEvent } from "./crisis-labels.js";
import { fmtTime } from "./format.js";

// A case's conversation as the counselor reads it: the case's own and each one that joined it, drawn alike.

/** Fills `into` with the messages; each citizen message carries the risk mark of the `understood` that follows. */
export function renderTranscript(into: HTMLElement, events: readonly TranscriptEvent[]): void {
  into.textContent = "";
  let last: HTMLDivElement | null = null;
  for (const e of events) {
    const p = e.payload || {};
    if (e.type === "understood" && last) {
      const lvl = p.risk || "none";
      if (lvl !== "none" || p.places?.length) {
        last.classList.add(`rk-${lvl}`);
        const parts: string[] = [];
        if (lvl !== "none") parts.push(`风险：${label(RISK, lvl)}`);
        if (Array.isArray(p.reasons) && p.reasons.length)
          parts.push(`触发：${p.reasons.map(reasonText).join("、")}`);
        if (Array.isArray(p.places) && p.places.length)
          parts.push(`地点：${p.places.map(placeText).join("、")}`);
        last.append(h("span", "risk", parts.join(" · ")));
      }
      last = null;
      continue;
    }
    if (e.type !== "inbound" && e.type !== "reply") continue;
    const actor = String(e.actor || "");
    const from = e.type === "inbound" ? "citizen" : actor.startsWith("staff:") ? "staff" : "bot";
    const d = h("div", `m ${from}`);
    d.dataset.id = String(e.id);
    const who =
      from === "citizen" ? "当事人" : from === "bot" ? "守望（自动回复）" : `工作人员 ${actor.slice(6)}`;
    d.append(h("span", "who", `${who} · ${fmtTime(e.createdAt)}`), document.createTextNode(p.text || ""));
    into.append(d);
    last = e.type === "inbound" ? d : null;
  }
}

/**
 * The conversations that joined the case (fresh conversations from the same client within minutes), each under
 * its id and the time it joined; the box stays hidden when there are none.
 */
export function renderJoined(
  box: HTMLElement,
  into: HTMLElement,
  joined: readonly { conversationId: string; joinedAt: string; transcript: TranscriptEvent[] }[],
): void {
  into.textContent = "";
  box.hidden = joined.length === 0;
  for (const j of joined) {
    const section = h("div", "joined");
    section.dataset.conversation = j.conversationId;
    section.append(h("h4", "", `对话 ${j.conversationId} · ${fmtTime(j.joinedAt)} 并入`));
    const tr = h("div", "jtranscript");
    renderTranscript(tr, j.transcript);
    section.append(tr);
    into.append(section);
  }
}
