/**
 * The policy on its own: `decide()` and the complaint intake's `stepIntake()` fed hand-built understandings, with
 * no database, no segmenter and no model, so each rule is seen deciding by itself.
 */
import { describe, expect, it } from "vitest";
import { complaintMessages } from "../handoff/messages.js";
import type { RiskAssessment } from "../intents/crisis-risk.js";
import type { IntentResult } from "../intents/intent-classifier.js";
import type { Understanding } from "../intents/understand.js";
import type { Domain } from "../knowledge/domains.js";
import type { KnowledgeEntry } from "../knowledge/schema.js";
import type { Article } from "../knowledge/statutes.js";
import type { Conversation } from "../store/conversations.js";
import { type IntakeDeps, startDraft, stepIntake } from "./complaint-dialogue.js";
import type { Action } from "./decision.js";
import { type DialogueContext, decide } from "./dialogue.js";
import { COMMANDS, messages } from "./messages.js";

const NO_RISK: RiskAssessment = {
  level: "none",
  subject: "self",
  kind: "self",
  reportOnly: false,
  reasons: [],
  score: 0,
};

function intentOf(intent: string, confidence: number, more: Partial<IntentResult> = {}): IntentResult {
  return {
    intent,
    confidence,
    ambiguous: false,
    uncertain: confidence < 0.5,
    probabilityOf: (label) => (label === intent ? confidence : 0),
    probabilities: [],
    ...more,
  };
}

/** An understanding of `text` that found nothing in it, unless `more` says otherwise. */
function understood(text: string, more: Partial<Understanding> = {}): Understanding {
  return {
    normalised: { original: text, text, hasMongolian: false, cjkRatio: 1, letters: text.length },
    words: [],
    risk: NO_RISK,
    complaint: { recognised: false, consultation: false, cues: [] },
    readable: true,
    intent: intentOf("out_of_scope", 0.2),
    entities: { places: [], phones: [], idNumbers: [], dates: [], money: [], caseNumbers: [] },
    hits: [],
    answerConfidence: 0,
    suggestions: [],
    ...more,
  };
}

/** Entities holding only the place a text names. */
function placedIn(place: Understanding["entities"]["places"][number]): Understanding["entities"] {
  return { places: [place], phones: [], idNumbers: [], dates: [], money: [], caseNumbers: [] };
}

function conversation(more: Partial<Conversation> = {}): Conversation {
  return {
    id: "c1",
    channel: "web",
    externalUser: null,
    mode: "bot",
    risk: "none",
    state: {},
    subscribed: false,
    createdAt: "2026-03-02T02:00:00.000Z",
    ...more,
  };
}

const WAGES: KnowledgeEntry = {
  id: "wage-arrears-basic",
  topic: "wage_arrears",
  title: "被拖欠工资怎么办",
  questions: ["老板拖欠工资怎么办", "工资一直不发怎么办", "欠薪去哪里投诉"],
  answer:
    "可以先向用人单位所在地的劳动保障监察机构投诉，也可以申请劳动仲裁。请保留考勤、工资条、聊天记录等证据，仲裁不收费。",
  citations: [{ law: "保障农民工工资支付条例", article: "第五十条" }],
  contact: [{ name: "劳动保障监察大队", office: "hrss-labour-inspection", phone: "12333" }],
  region: "national",
  complaint: true,
  reviewed: "2026-01-10",
};

const LAND: Domain = {
  id: "land_expropriation",
  label: "征地补偿",
  office: "natural-resources",
  where: "向旗县区自然资源局咨询征地批文和补偿方案",
  laws: ["中华人民共和国土地管理法"],
  grievance: true,
};

const ARTICLE: Article = {
  law: "中华人民共和国土地管理法",
  version: "2019-08-26",
  number: 48,
  sub: 0,
  label: "第四十八条",
  chapter: "第五章 建设用地",
  paragraphs: ["征收土地应当给予公平、合理的补偿，保障被征地农民原有生活水平不降低、长远生计有保障。"],
};

const knowledge: DialogueContext["knowledge"] = {
  domain: (id) => (id === LAND.id ? LAND : undefined),
  officeName: (kind, place) => (kind === LAND.office ? `${place.county ?? ""}自然资源局` : undefined),
};

const intake: IntakeDeps = {
  categories: [
    { id: "wages", label: "拖欠工资" },
    { id: "land", label: "征地拆迁" },
    { id: "other", label: "其他" },
  ],
  infer: (text) => (text.includes("工资") ? [{ id: "wages", score: 3 }] : [{ id: "other", score: 0 }]),
};

const kinds = (actions: readonly Action[]) => actions.map((a) => a.kind);

describe("decide", () => {
  it("puts crisis first: hotlines and a handoff, never an answer, whatever else the message is", () => {
    const high: RiskAssessment = {
      ...NO_RISK,
      level: "high",
      reasons: ["lexicon:suicide-ideation"],
      score: 0.6,
    };
    // A command and a confident answer in the same message change nothing.
    const u = understood(COMMANDS.help, {
      risk: high,
      answer: { entry: WAGES, bm25: 9, coverage: 0.9, score: 9 },
      answerConfidence: 0.9,
      intent: intentOf("wage_arrears", 0.9),
    });
    const d = decide(
      conversation({
        state: { offeredCounselor: true, followUp: { complaintId: "SW-2026-000001", step: "resolved" } },
      }),
      u,
      { knowledge, intake },
    );
    expect(d.replies).toHaveLength(1);
    const [crisis] = d.replies;
    expect(crisis?.kind).toBe("crisis");
    expect(crisis?.text).toContain("12356");
    expect(crisis?.text).toMatch(/110/);
    expect(crisis?.text).toMatch(/120/);
    expect(crisis?.calls?.map((c) => c.number)).toEqual(["12356", "110", "120"]);
    expect(crisis?.buttons).toBeUndefined();
    expect(d.replies.some((r) => r.kind === "answer" || r.answerId)).toBe(false);
    expect(d.actions).toEqual([
      { kind: "handoff", request: { reason: "crisis", risk: "high", subject: "self", riskKind: "self" } },
    ]);
    expect(d.state.handoffReason).toBe("crisis");
    // No survey and no pending offer for a person in crisis.
    expect(d.state.followUp).toBeUndefined();
    expect(d.state.offeredCounselor).toBeUndefined();
  });

  it("puts the emergency numbers first when the danger is now, and stays silent while a human holds the chat", () => {
    const imminent: RiskAssessment = { ...NO_RISK, level: "imminent", score: 0.9 };
    const now = decide(conversation(), understood("…", { risk: imminent }));
    expect(now.replies[0]?.calls?.map((c) => c.number)).toEqual(["120", "110", "12356"]);
    expect(kinds(now.actions)).toEqual(["handoff"]);

    const held = decide(conversation({ mode: "human" }), understood("…", { risk: imminent }));
    expect(held.replies).toEqual([]);
    expect(held.actions).toEqual([
      { kind: "handoff", request: { reason: "crisis", risk: "imminent", subject: "self", riskKind: "self" } },
    ]);
  });

  it("answers a confident question with the entry, its citations and next steps, and no action", () => {
    const u = understood("老板拖欠工资怎么办", {
      intent: intentOf("wage_arrears", 0.92),
      answer: { entry: WAGES, bm25: 12, coverage: 0.95, score: 12 },
      answerConfidence: 0.92,
    });
    const d = decide(conversation(), u, { knowledge });
    expect(d.actions).toEqual([]);
    expect(d.replies).toHaveLength(1);
    const [answer] = d.replies;
    expect(answer?.kind).toBe("answer");
    expect(answer?.answerId).toBe(WAGES.id);
    expect(answer?.citations).toEqual(WAGES.citations);
    expect(answer?.text).toContain("【被拖欠工资怎么办】");
    expect(answer?.text).toContain("《保障农民工工资支付条例》第五十条");
    expect(answer?.buttons?.map((b) => b.label)).toEqual([
      COMMANDS.complain,
      COMMANDS.human,
      "法律援助 12348",
    ]);
  });

  it("gives a referral card with the citizen's own office when no entry fits a known domain", () => {
    const u = understood("我们村的地被征了补偿一直没给", {
      intent: intentOf("land_expropriation", 0.7),
      entities: placedIn({ matched: "准格尔旗", league: "鄂尔多斯市", county: "准格尔旗" }),
      referral: { domain: LAND.id, articles: [ARTICLE] },
    });
    const d = decide(conversation(), u, { knowledge });
    expect(d.actions).toEqual([]);
    const [card] = d.replies;
    expect(card?.kind).toBe("referral");
    expect(card?.referral).toEqual({
      domain: LAND.id,
      articles: [{ law: ARTICLE.law, article: ARTICLE.label }],
    });
    expect(card?.text).toContain("【征地补偿方面的问题】");
    expect(card?.text).toContain("准格尔旗自然资源局");
    expect(card?.text).toContain("《中华人民共和国土地管理法》第四十八条");
  });

  it("turns commands into actions for the engine", () => {
    const status = decide(
      conversation(),
      understood("查询进度 SW-2026-000123", {
        entities: {
          places: [],
          phones: [],
          idNumbers: [],
          dates: [],
          money: [],
          caseNumbers: ["SW-2026-000123"],
        },
      }),
    );
    expect(status).toMatchObject({
      replies: [],
      actions: [{ kind: "statusQuery", caseNumber: "SW-2026-000123" }],
    });

    expect(decide(conversation(), understood("订阅")).actions).toEqual([
      { kind: "subscription", op: "menu" },
    ]);
    expect(decide(conversation(), understood("/unsubscribe")).actions).toEqual([
      { kind: "subscription", op: "unsubscribe" },
    ]);

    const human = decide(conversation(), understood("转人工"));
    expect(human.actions).toEqual([
      { kind: "handoff", request: { reason: "human", risk: "none", subject: "self" } },
    ]);
    expect(human.state.handoffReason).toBe("human");

    const menu = decide(conversation(), understood("帮助"));
    expect(menu.actions).toEqual([]);
    expect(menu.replies).toEqual([expect.objectContaining({ kind: "menu", text: messages.help })]);
  });

  it("offers a counselor at distress and hands off on yes, with the offer's own yes words", () => {
    const distress: RiskAssessment = { ...NO_RISK, level: "distress", score: 0.4 };
    const offered = decide(conversation(), understood("最近压力好大睡不着", { risk: distress }));
    expect(offered.replies[0]?.kind).toBe("distress");
    expect(offered.state.offeredCounselor).toBe(true);
    expect(offered.actions).toEqual([]);

    const yes = decide(conversation({ state: offered.state }), understood("需要"));
    expect(yes.actions).toEqual([
      {
        kind: "handoff",
        request: { reason: "distress", risk: "distress", subject: "self", riskKind: "self" },
      },
    ]);
  });

  it("answers someone hurt who asks what the law allows, with the safety line and a counselor offered beside it", () => {
    const harmed: RiskAssessment = { ...NO_RISK, level: "distress", kind: "harmed", score: 0.4 };
    const hit = { entry: WAGES, bm25: 9, coverage: 0.8, score: 9 };
    const asked = decide(
      conversation(),
      understood("老板拖欠工资还动手打我，能去哪里投诉吗？", {
        risk: harmed,
        intent: intentOf("wage_arrears", 0.9),
        hits: [hit],
        answer: hit,
      }),
    );
    expect(asked.replies[0]?.kind).toBe("answer");
    expect(asked.replies[0]?.text).toContain(messages.harmedSupportLine);
    // No partner named: no 12338 line; the counselor is offered first, and accepted for a person hurt.
    expect(asked.replies[0]?.text).not.toContain("12338");
    expect(asked.replies[0]?.buttons?.[0]?.label).toBe(COMMANDS.acceptCounselor);
    const yes = decide(conversation({ state: asked.state }), understood("需要"));
    expect(yes.actions).toEqual([
      {
        kind: "handoff",
        request: { reason: "distress", risk: "distress", subject: "self", riskKind: "harmed" },
      },
    ]);
    // Told without a question, or asking nothing we can answer: the safety reply, as before.
    for (const u of [
      understood("老公又动手打我了", { risk: harmed }),
      understood("老公又打我了，我能报警吗", { risk: harmed, intent: intentOf("marriage_family", 0.9) }),
    ]) {
      const told = decide(conversation(), u);
      expect(told.replies[0]?.kind).toBe("distress");
      expect(told.replies[0]?.text).toBe(messages.harmed("family"));
    }
  });

  it("answers a story asking what the law allows, however short, with 登记诉求 beside the answer", () => {
    const hit = { entry: WAGES, bm25: 9, coverage: 0.8, score: 9 };
    const story = "老板拖欠我们三个月工资，找了好几次都不给，请问这种情况去哪里投诉？";
    const d = decide(
      conversation(),
      understood(story, {
        complaint: { recognised: true, consultation: true, cues: ["problem", "consult"] },
        intent: intentOf("wage_arrears", 0.9),
        hits: [hit],
        answer: hit,
      }),
      { intake },
    );
    expect(d.replies[0]?.kind).toBe("answer");
    expect(d.replies[0]?.buttons?.[0]?.label).toBe(COMMANDS.registerComplaint);
    expect(d.state.offeredComplaint).toBe(story);
  });

  it("reads a 回访 answer and returns it as an action", () => {
    const state = { followUp: { complaintId: "SW-2026-000009", step: "resolved" as const } };
    const resolved = decide(conversation({ state }), understood("解决了"));
    expect(resolved.actions).toEqual([{ kind: "followUp", complaintId: "SW-2026-000009", resolved: true }]);
    expect(resolved.state.followUp).toEqual({ complaintId: "SW-2026-000009", step: "rating" });

    const rated = decide(conversation({ state: resolved.state }), understood("5分 很及时"));
    expect(rated.actions).toEqual([
      { kind: "followUp", complaintId: "SW-2026-000009", rating: 5, comment: "很及时" },
    ]);
    expect(rated.state.followUp).toBeUndefined();
  });

  it("starts the complaint intake on 我要投诉 and asks for the matter first", () => {
    const d = decide(conversation(), understood("我要投诉"), { intake });
    expect(d.actions).toEqual([]);
    expect(d.state.complaint).toEqual({ awaiting: "what" });
    expect(d.replies.at(-1)?.text).toBe(complaintMessages.askWhat);
  });

  it("files a confirmed draft as an action and clears the intake", () => {
    const draft = {
      what: "工地老板拖欠三个月工资",
      category: "wages",
      categoryConfirmed: true,
      league: "赤峰市",
      county: "松山区",
      detail: "",
      ask: "尽快结清工资",
      contact: "chat" as const,
      awaiting: "confirm" as const,
    };
    const d = decide(conversation({ state: { complaint: draft } }), understood("确认提交"), { intake });
    expect(d.actions).toEqual([{ kind: "fileComplaint", draft }]);
    expect(d.state.complaint).toBeUndefined();
  });
});

describe("stepIntake", () => {
  it("asks for the first missing slot: the matter, then the category, then the place", () => {
    const start = stepIntake(startDraft(), understood("我要投诉"), intake, true);
    expect(start).toMatchObject({ kind: "continue", draft: { awaiting: "what" } });
    expect(start.replies.at(-1)?.text).toBe(complaintMessages.askWhat);

    if (start.kind !== "continue") throw new Error("the intake ended");
    const what = stepIntake(start.draft, understood("工地老板拖欠我们三个月工资"), intake);
    expect(what).toMatchObject({
      kind: "continue",
      draft: { what: "工地老板拖欠我们三个月工资", category: "wages", awaiting: "category" },
    });
    expect(what.replies.at(-1)?.text).toBe(complaintMessages.confirmCategory("拖欠工资"));

    if (what.kind !== "continue") throw new Error("the intake ended");
    const category = stepIntake(what.draft, understood("对"), intake);
    expect(category).toMatchObject({
      kind: "continue",
      draft: { categoryConfirmed: true, awaiting: "place" },
    });
    expect(category.replies.at(-1)?.text).toBe(complaintMessages.askPlace);
    expect(category.replies.at(-1)?.buttons?.map((b) => b.label)).toEqual(["取消"]);
  });

  it("takes a place named early and asks for the 旗县区 when only the 盟市 is known", () => {
    const u = understood("赤峰市有个工地老板拖欠工资", {
      entities: placedIn({ matched: "赤峰市", league: "赤峰市" }),
    });
    const first = stepIntake({ awaiting: "what" }, u, intake);
    if (first.kind !== "continue") throw new Error("the intake ended");
    const next = stepIntake(first.draft, understood("是的"), intake);
    expect(next).toMatchObject({ kind: "continue", draft: { league: "赤峰市", awaiting: "place" } });
    expect(next.replies.at(-1)?.text).toBe(complaintMessages.askCounty("赤峰市"));
  });

  it("offers the place the citizen named before as a button when it asks where, without assuming it", () => {
    const draft = {
      ...startDraft({ league: "包头市", county: "青山区" }),
      what: "小区门口的路灯坏了两个月了",
      category: "other",
      categoryConfirmed: true,
    };
    const where = stepIntake(draft, understood("是的"), intake);
    expect(where.kind === "continue" && where.draft.league).toBeUndefined();
    expect(where.replies.at(-1)?.text).toBe(complaintMessages.askPlace);
    expect(where.replies.at(-1)?.buttons?.map((b) => b.label)).toEqual(["包头市青山区", "取消"]);
    // Only the 盟市 given for this matter: the 旗县区 named before is offered when it is in that 盟市.
    const asked = { ...draft, awaiting: "place" as const };
    const league = { matched: "包头", league: "包头市" };
    const county = stepIntake(asked, understood("包头", { entities: placedIn(league) }), intake);
    expect(county.replies).toHaveLength(1);
    expect(county.replies.at(-1)?.buttons?.map((b) => b.label)).toEqual(["青山区", "不清楚", "取消"]);
    const elsewhere = { matched: "赤峰", league: "赤峰市" };
    const other = stepIntake(asked, understood("赤峰", { entities: placedIn(elsewhere) }), intake);
    expect(other.replies.at(-1)?.buttons?.map((b) => b.label)).toEqual(["不清楚", "取消"]);
  });

  it("fills the village and the request from a letter that names them, and asks only for what is missing", () => {
    const letter =
      "我是准格尔旗薛家湾镇黑岱沟村的，村里的路烂了三年，下雨天孩子上学都走不了，希望政府给修一下";
    const u = understood(letter, {
      entities: placedIn({ matched: "准格尔旗", league: "鄂尔多斯市", county: "准格尔旗" }),
    });
    const first = stepIntake(startDraft(), u, intake, true);
    expect(first).toMatchObject({
      kind: "continue",
      draft: { detail: "薛家湾镇黑岱沟村", ask: "希望政府给修一下", county: "准格尔旗" },
    });
    if (first.kind !== "continue") throw new Error("the intake ended");
    // A question about the law is no request; a county followed by 农村 names no village.
    const plain = stepIntake(
      startDraft(),
      understood("准格尔旗农村低保怎么申请，请问需要什么材料", {
        entities: u.entities,
      }),
      intake,
      true,
    );
    expect(plain.kind === "continue" && [plain.draft.detail, plain.draft.ask]).toEqual([
      undefined,
      undefined,
    ]);
  });

  it("answers an off-script reply with a hint instead of the same question, keeping a village named there", () => {
    const picking = {
      awaiting: "category" as const,
      what: "村里的路烂了",
      category: "other",
      categoryOptions: ["other", "land", "wages"],
    };
    const village = stepIntake(picking, understood("黑岱沟村"), intake);
    expect(village.kind === "continue" && village.draft.detail).toBe("黑岱沟村");
    // A sentence ending in 村 names no village.
    for (const text of ["不是这个村", "我们村", "在哪个镇"]) {
      const said = stepIntake(picking, understood(text), intake);
      expect(said.kind === "continue" && said.draft.detail, text).toBeUndefined();
    }
    expect(village.replies.at(-1)?.text).toBe(
      complaintMessages.detailNoted("黑岱沟村") + complaintMessages.categoryHint,
    );
    // The same buttons stay under the hint.
    expect(village.replies.at(-1)?.buttons?.map((b) => b.label)).toEqual([
      "其他",
      "征地拆迁",
      "拖欠工资",
      "都不是",
      "取消",
    ]);
    // A 旗县区 named there is kept and said back too.
    const saihan = { matched: "赛罕区", league: "呼和浩特市", county: "赛罕区" };
    const county = stepIntake(
      picking,
      understood("赛罕区", {
        entities: { places: [saihan], phones: [], idNumbers: [], dates: [], money: [], caseNumbers: [] },
      }),
      intake,
    );
    expect(county).toMatchObject({ draft: { league: "呼和浩特市", county: "赛罕区" } });
    expect(county.replies.at(-1)?.text).toBe(
      complaintMessages.detailNoted("呼和浩特市 赛罕区") + complaintMessages.categoryHint,
    );
    expect(stepIntake(picking, understood("进度怎么样了"), intake).replies.at(-1)?.text).toBe(
      complaintMessages.categoryHint,
    );
    // A number counts in the options shown; part of a label picks it when only one label holds it.
    expect(stepIntake(picking, understood("2"), intake)).toMatchObject({ draft: { category: "land" } });
    expect(stepIntake(picking, understood("征地"), intake)).toMatchObject({
      draft: { category: "land", categoryConfirmed: true },
    });

    const done = {
      what: "村里的路烂了",
      category: "other",
      categoryConfirmed: true,
      detail: "",
      league: "鄂尔多斯市",
    };
    const contact = stepIntake(
      { ...done, county: "准格尔旗", ask: "修路", awaiting: "contact" },
      understood("随便"),
      intake,
    );
    expect(contact.replies.at(-1)?.text).toBe(complaintMessages.contactHint);
    const confirm = stepIntake(
      { ...done, county: "准格尔旗", ask: "修路", contact: "chat", awaiting: "confirm" },
      understood("好了吗"),
      intake,
    );
    expect(confirm).toMatchObject({ kind: "continue", draft: { awaiting: "confirm" } });
    expect(confirm.replies.at(-1)?.text).toBe(complaintMessages.confirmHint);
    expect(confirm.replies.at(-1)?.buttons?.[0]?.label).toBe("确认提交");
  });

  it("cancels with the intake's own cancel words", () => {
    for (const text of ["取消", "算了", "不用了"]) {
      expect(stepIntake({ awaiting: "ask", what: "某事" }, understood(text), intake)).toEqual({
        kind: "cancelled",
        replies: [{ kind: "complaint", text: complaintMessages.cancelled }],
      });
    }
  });
});
