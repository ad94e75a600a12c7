import { PHONE_PATTERN, redactIdNumbers } from "../core/redact.js";
import { complaintMessages as m } from "../handoff/messages.js";
import type { Button, Reply } from "../handoff/reply.js";
import { placeName } from "../intents/places.js";
import type { Understanding } from "../intents/understand.js";
import type { ComplaintDraft, Slot } from "../store/conversations.js";
import { INTAKE_CANCEL, INTAKE_CONFIRM, INTAKE_DONT_KNOW, INTAKE_NO, INTAKE_YES } from "./short-answers.js";

/**
 * The intake of a complaint (诉求) as slot filling: every turn reads whatever the citizen wrote into any slot it
 * fits (a place named while describing the matter, a phone number given early), then asks for the first slot
 * still missing. The citizen can correct ("地点不对，是通辽市科尔沁区"), change a field at the read-back, or cancel.
 */

export interface CategoryInfo {
  id: string;
  label: string;
}

export interface IntakeDeps {
  categories: readonly CategoryInfo[];
  /** Ranked guesses from the text and the classifier's intent. */
  infer(text: string, intent?: string): { id: string; score: number }[];
  /** A first guess scoring below this is shown with the next two as a choice. */
  sureScore?: number;
}

export type IntakeOutcome =
  | { kind: "continue"; draft: ComplaintDraft; replies: Reply[] }
  | { kind: "cancelled"; replies: Reply[] }
  | { kind: "file"; draft: ComplaintDraft; replies: Reply[] };

const TRIGGER = /^(我要|我想|帮我)?(投诉|举报|反映|登记)(一下)?(问题|诉求|情况)?[，,。:：\s]*/;
const EDIT: readonly [RegExp, Slot][] = [
  [/类别|类型|分类/, "category"],
  [/地点|地址|位置|旗县|盟市/, "place"],
  [/苏木|乡镇|嘎查|村|社区|街道/, "detail"],
  [/情况|经过|事情|描述/, "what"],
  [/诉求|要求|希望/, "ask"],
  [/联系|电话|手机/, "contact"],
];

const ID_MASK = "［身份证号已隐去］";
const PHONE_MASK = "［电话见联系方式］";

/** `knownPlace`: where the citizen said they are earlier in the conversation, offered when the place is asked. */
export function startDraft(knownPlace?: { league: string; county?: string }): ComplaintDraft {
  return { awaiting: "what", ...(knownPlace ? { knownPlace } : {}) };
}

function labelOf(deps: IntakeDeps, id: string | undefined): string {
  return deps.categories.find((c) => c.id === id)?.label ?? "其他";
}

export function summary(d: ComplaintDraft, deps: IntakeDeps): string {
  const place = d.placeUnknown ? "不清楚" : [d.league, d.county, d.detail].filter(Boolean).join(" ");
  const contact =
    d.contact === "phone" && d.phone && d.consent ? m.contactPhone(maskPhone(d.phone)) : m.contactChat;
  return m.summary({
    category: labelOf(deps, d.category),
    place,
    what: d.what ?? "",
    ask: d.ask ?? "",
    contact,
  });
}

export const maskPhone = (p: string) => `${p.slice(0, 3)}****${p.slice(-4)}`;

/** Runs one citizen turn of the intake. `isStart` is the turn that opened it ("我要投诉…"). */
export function stepIntake(
  current: ComplaintDraft,
  u: Understanding,
  deps: IntakeDeps,
  isStart = false,
): IntakeOutcome {
  const d: ComplaintDraft = { ...current };
  const replies: Reply[] = [];
  let text = u.normalised.text.trim();
  if (INTAKE_CANCEL.test(text))
    return { kind: "cancelled", replies: [{ kind: "complaint", text: m.cancelled }] };

  // ID numbers are never needed for a complaint: keep them out of the record, and say so.
  // Any 18-character ID, valid checksum or not, spaced or full-width: it never reaches the record or the read-back.
  const unmasked = text;
  for (const id of u.entities.idNumbers)
    text = text.replaceAll(id.toLowerCase(), ID_MASK).replaceAll(id, ID_MASK);
  text = redactIdNumbers(text);
  if (text !== unmasked) replies.push({ kind: "complaint", text: m.idRemoved });
  // A phone number is kept apart from the description, and stored at all only if the citizen consents.
  text = text.replace(PHONE_PATTERN, PHONE_MASK);
  if (isStart) text = text.replace(TRIGGER, "").trim();

  // What the text says, whatever we asked: places and phone numbers can come at any time.
  const place = u.entities.places[0];
  if (place) {
    const changed = d.league !== place.league || (place.county && d.county !== place.county);
    d.league = place.league;
    d.county = place.county ?? (d.league === place.league ? d.county : undefined);
    d.placeUnknown = false;
    if (changed && current.league && d.awaiting !== "place")
      replies.push({ kind: "complaint", text: m.placeUpdated(placeText(d)) });
  }
  const phone = u.entities.phones[0];
  if (phone) {
    d.phone = phone;
    d.contact = "phone";
    d.consent = undefined;
  }

  const slot = d.awaiting;
  const edit =
    slot === "confirm" && !INTAKE_CONFIRM.test(text) ? EDIT.find(([re]) => re.test(text))?.[1] : undefined;
  if (edit) {
    if (edit === "category") d.categoryConfirmed = false;
    if (edit === "place" && !place) {
      d.league = undefined;
      d.county = undefined;
    }
    if (edit === "contact") d.contact = undefined;
    if (edit === "what" || edit === "ask" || edit === "detail") d[edit] = undefined;
    d.awaiting = edit;
    return ask(d, deps, replies);
  }

  switch (slot) {
    case "what":
      if (text.length >= 4) {
        d.what = text;
        guessCategory(d, u, deps);
        // A letter names its village and its request itself: only what it leaves out is asked for.
        if (d.detail === undefined && place) {
          const detail = detailAfter(text, place.matched);
          if (detail) d.detail = detail;
        }
        if (d.ask === undefined) {
          const request = requestIn(text);
          if (request) d.ask = request;
        }
      } else if (!isStart) replies.push({ kind: "complaint", text: m.whatTooShort });
      break;
    case "category": {
      const chosen = chosenCategory(text, d, deps);
      if (chosen) {
        d.category = chosen.id;
        d.categoryConfirmed = true;
        delete d.categoryOptions;
      } else if (INTAKE_YES.test(text) && d.category) d.categoryConfirmed = true;
      else if (INTAKE_NO.test(text)) {
        d.category = undefined;
        d.categoryConfirmed = false;
        delete d.categoryOptions;
        replies.push({ kind: "complaint", text: m.chooseCategory, buttons: categoryButtons(deps) });
        d.awaiting = "category";
        return { kind: "continue", draft: d, replies };
      } else {
        // A village named while we asked for the category is the place's detail: keep it rather than lose it. A
        // 旗县区 named then was kept above; either is said back, so the citizen knows the answer was not lost.
        const village = VILLAGE.test(text) && d.detail === undefined ? stripPlaces(text, u) : "";
        if (village) d.detail = village;
        const noted = [place ? placeText(d) : "", village].filter(Boolean).join(" ");
        return offScript(
          ask(d, deps, replies),
          noted ? m.detailNoted(noted) + m.categoryHint : m.categoryHint,
        );
      }
      break;
    }
    case "place":
      if (!place) {
        if (INTAKE_DONT_KNOW.test(text)) {
          if (d.league) d.countyUnknown = true;
          else d.placeUnknown = true;
        } else replies.push({ kind: "complaint", text: m.placeNotFound(text.slice(0, 20)) });
      }
      break;
    case "detail":
      d.detail = INTAKE_DONT_KNOW.test(text) ? "" : stripPlaces(text, u).slice(0, 100);
      break;
    case "ask":
      if (text.length >= 2) d.ask = text.slice(0, 500);
      else return offScript(ask(d, deps, replies), m.askRequestHint);
      break;
    case "contact":
      if (!phone) {
        if (/这里|对话|聊天|线上|网上|不用电话|不留/.test(text) || INTAKE_NO.test(text)) {
          d.contact = "chat";
          d.phone = undefined;
        } else if (/电话|手机/.test(text)) d.contact = "phone";
        else if (d.contact === undefined) return offScript(ask(d, deps, replies), m.contactHint);
      }
      break;
    case "consent":
      if (INTAKE_YES.test(text)) d.consent = true;
      else if (INTAKE_NO.test(text)) {
        d.consent = false;
        d.phone = undefined;
        d.contact = "chat";
      } else if (!phone) return offScript(ask(d, deps, replies), m.consentHint);
      break;
    case "confirm":
      if (INTAKE_CONFIRM.test(text)) return { kind: "file", draft: d, replies };
      // Nothing to change and no confirmation: say what the buttons do instead of the whole read-back again.
      if (!place && !phone) return offScript(ask(d, deps, replies), m.confirmHint);
      break;
  }
  return ask(d, deps, replies);
}

/**
 * The 苏木乡镇 and 嘎查村 (社区) written right after a 旗县区 (达拉特旗王爱召镇王庄子村): names of at least two
 * characters, so that 达拉特旗农村 or 乡镇 are no village.
 */
const BELOW_COUNTY =
  /^的?((?:[\p{Script=Han}]{2,6}?(?:苏木|乡|镇|街道))?(?:[\p{Script=Han}]{2,6}?(?:嘎查村|嘎查|村|社区))?)/u;

function detailAfter(text: string, placeMatched: string): string | undefined {
  const at = text.indexOf(placeMatched);
  if (at < 0) return undefined;
  const found = BELOW_COUNTY.exec(text.slice(at + placeMatched.length))?.[1] ?? "";
  return found.length >= 3 ? found : undefined;
}

/** The letter's own request: its last clause that asks for something (希望…, 请求…, 恳请…), not a question (请问). */
const REQUEST =
  /(?:^|[，,。！!？?；;\s])((?:我们|我|特此|强烈)?(?:希望|请求|恳请|恳求|要求|盼望|建议|请(?!问))[^。！？!?\n]{2,120})/gu;

function requestIn(text: string): string | undefined {
  let last: string | undefined;
  for (const m of text.matchAll(REQUEST)) last = m[1];
  return last?.replace(/[，,；;\s]+$/u, "").slice(0, 200);
}

/**
 * A 嘎查村, 苏木乡镇 or 社区 named alone (王庄子村, 巴彦塔拉嘎查), as a reply to another question; a short sentence
 * that happens to end in one (不是这个村, 我们村, 在哪个镇) names none; 那日图苏木 and 回族乡 are names.
 */
const VILLAGE =
  /^(?!.*(?:不|没|[这那](?:个|边|儿|里|村|镇|乡)|哪|什么|啥|我|你|他|她|是|在|的|了|咱|俺))[\p{Script=Han}]{1,12}(?:嘎查|苏木|村|乡|镇|社区|街道)$/u;

/**
 * The category the citizen picked: a label or a unique part of one (交通, 市政), or a number, counted in the options
 * shown when there were options and in the whole list otherwise.
 */
function chosenCategory(text: string, d: ComplaintDraft, deps: IntakeDeps): CategoryInfo | undefined {
  const byNumber = /^(\d{1,2})$/.exec(text)?.[1];
  if (byNumber) {
    const n = Number(byNumber) - 1;
    const offered = d.categoryOptions;
    if (offered && offered.length > 1) return deps.categories.find((c) => c.id === offered[n]);
    return deps.categories[n];
  }
  const whole = deps.categories.find((c) => text.includes(c.label));
  if (whole) return whole;
  if (text.length < 2 || text.length > 8) return undefined;
  // Part of a label: among the options shown first (交通 there means 交通运输与邮政), then among all.
  const offered = deps.categories.filter((c) => d.categoryOptions?.includes(c.id) && c.label.includes(text));
  if (offered.length === 1) return offered[0];
  const partial = deps.categories.filter((c) => c.label.includes(text));
  return partial.length === 1 ? partial[0] : undefined;
}

/**
 * The same slot asked again after an answer that fitted nothing: a hint in place of the question, with the same
 * buttons, so that the citizen does not read the identical sentence twice.
 */
function offScript(outcome: IntakeOutcome, hint: string): IntakeOutcome {
  if (outcome.kind !== "continue") return outcome;
  const last = outcome.replies.at(-1);
  if (last) outcome.replies[outcome.replies.length - 1] = { ...last, text: hint };
  return outcome;
}

function guessCategory(d: ComplaintDraft, u: Understanding, deps: IntakeDeps) {
  if (d.categoryConfirmed) return;
  const ranked = deps.infer(d.what ?? "", u.intent.uncertain ? undefined : u.intent.intent);
  const best = ranked[0];
  if (best && best.score > 0) d.category = best.id;
  if (best && deps.sureScore !== undefined && best.score < deps.sureScore)
    d.categoryOptions = ranked.slice(0, 3).map((x) => x.id);
  else delete d.categoryOptions;
}

function stripPlaces(text: string, u: Understanding): string {
  let out = text;
  for (const p of u.entities.places) out = out.replace(p.matched, "");
  return out.replace(/^[，,。\s]+/, "").trim();
}

function placeText(d: ComplaintDraft): string {
  return [d.league, d.county].filter(Boolean).join(" ");
}

function categoryButtons(deps: IntakeDeps): Button[] {
  return deps.categories.map((c) => ({ label: c.label, payload: c.label }));
}

/** Asks for the first slot still missing, in an order that feels like a conversation. */
function ask(d: ComplaintDraft, deps: IntakeDeps, replies: Reply[]): IntakeOutcome {
  const cancel: Button = { label: "取消", payload: "取消" };
  const push = (slot: Slot, text: string, buttons?: Button[]) => {
    d.awaiting = slot;
    replies.push({ kind: "complaint", text, buttons: [...(buttons ?? []), cancel] });
    return { kind: "continue" as const, draft: d, replies };
  };
  if (!d.what) return push("what", m.askWhat);
  if (!d.categoryConfirmed) {
    if (d.category && d.categoryOptions && d.categoryOptions.length > 1) {
      return push("category", m.pickCategory, [
        ...d.categoryOptions.map((id) => ({ label: labelOf(deps, id), payload: labelOf(deps, id) })),
        { label: "都不是", payload: "不是" },
      ]);
    }
    if (d.category) {
      return push("category", m.confirmCategory(labelOf(deps, d.category)), [
        { label: "是的", payload: "是的" },
        { label: "不是", payload: "不是" },
      ]);
    }
    return push("category", m.chooseCategory, categoryButtons(deps));
  }
  // The place the citizen named before is a button, not a guess: the matter may have happened elsewhere.
  const known = d.knownPlace;
  if (!d.league && !d.placeUnknown) {
    const here = known ? placeName(known) : "";
    return push("place", m.askPlace, here ? [{ label: here, payload: here }] : undefined);
  }
  // 盟市 alone does not say which 旗县区 must act: ask for it, once.
  if (d.league && !d.county && !d.countyUnknown && !d.placeUnknown) {
    const county = known?.league === d.league ? known.county : undefined;
    return push("place", m.askCounty(d.league), [
      ...(county ? [{ label: county, payload: county }] : []),
      { label: "不清楚", payload: "不清楚" },
    ]);
  }
  if (d.detail === undefined && !d.placeUnknown)
    return push("detail", m.askDetail(placeText(d)), [{ label: "不清楚", payload: "不清楚" }]);
  if (!d.ask) return push("ask", m.askRequest);
  if (!d.contact) {
    return push("contact", m.askContact, [
      { label: "在这里回复我", payload: "在这里回复" },
      { label: "留电话", payload: "留电话" },
    ]);
  }
  if (d.contact === "phone" && !d.phone) return push("contact", m.phoneMissing);
  if (d.contact === "phone" && d.consent === undefined) {
    return push("consent", m.askConsent(maskPhone(d.phone ?? "")), [
      { label: "同意", payload: "同意" },
      { label: "不同意", payload: "不同意" },
    ]);
  }
  return push("confirm", summary(d, deps), [
    { label: "确认提交", payload: "确认提交" },
    { label: "修改地点", payload: "修改地点" },
    { label: "修改诉求", payload: "修改诉求" },
  ]);
}
