import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Reply } from "../handoff/reply.js";
import { testAssistant } from "./helpers.js";

type T = Awaited<ReturnType<typeof testAssistant>>;
let a: T;
beforeAll(async () => {
  a = await testAssistant();
});
afterAll(async () => a?.cleanup());

let n = 0;
/** The first reply to `text` as the first message of a new conversation. */
async function ask(text: string): Promise<Reply> {
  const r = await a.engine.handleMessage({ channel: "web", conversationId: `kb-${n++}`, text });
  return r.replies[0] as Reply;
}
const topicOf = (id: string | undefined) => a.knowledge.find((e) => e.id === id)?.topic;

describe("answers only what fits", () => {
  it("answers 低保 with a social-assistance entry and its statute, never a mental-health entry", async () => {
    const r = await ask("低保怎么申请");
    expect(r.kind).toBe("answer");
    expect(topicOf(r.answerId)).toBe("social_assistance");
    expect(r.text).toMatch(/【法律依据】\n《社会救助暂行办法》第/);
  });

  it("answers a herder's snow-disaster question with disaster relief, never the relief station for vagrants", async () => {
    // 雪灾 and 白灾, 没草 and 草料 are one thing to a herder; the relief station also 管吃管住.
    const r = await ask("雪灾羊没草吃了，能申请救助吗");
    expect(r.kind).toBe("answer");
    expect(r.answerId).toBe("social-assistance-disaster-relief");
  });

  it("gives the entry about soldiers' marriages only to a question that names a soldier", async () => {
    const plain = await ask("老公不同意离婚，我想起诉，要准备啥");
    expect(plain.answerId).not.toBe("marriage-family-military-marriage");
    const soldier = await ask("我老公在部队当兵，我想离婚他不同意，能起诉吗");
    expect(soldier.answerId).toBe("marriage-family-military-marriage");
  });

  it("keeps every entry about one group of people answerable by its own phrasings, which all name the group", () => {
    const grouped = a.knowledge.filter((e) => e.requires);
    expect(grouped.length).toBeGreaterThanOrEqual(5);
    for (const e of grouped)
      for (const q of e.questions)
        expect(
          e.requires?.some((w) => q.includes(w)),
          `${e.id}: ${q}`,
        ).toBe(true);
  });

  it("sets the title apart, then the body, the citation block and where to go", async () => {
    const r = await ask("劳动仲裁的时效是多久");
    expect(r.kind).toBe("answer");
    const entry = a.knowledge.find((e) => e.id === r.answerId);
    expect(r.text.startsWith(`【${entry?.title ?? entry?.questions[0]}】\n`)).toBe(true);
    expect(r.text.indexOf("【法律依据】")).toBeGreaterThan(r.text.indexOf(entry?.answer.slice(0, 20) ?? "-"));
    expect(r.text.indexOf("【去哪里办】")).toBeGreaterThan(r.text.indexOf("【法律依据】"));
    expect(r.buttons?.map((b) => b.label)).toEqual(expect.arrayContaining(["转人工", "法律援助 12348"]));
  });

  it("names the citizen's own 旗县 office when the place is given", async () => {
    const r = await ask("我是准格尔旗的，想申请低保，去哪里办");
    expect(r.kind).toBe("answer");
    expect(r.text).toContain("准格尔旗民政局");
  });

  it("remembers the place named earlier in the conversation, and names the office a question for a phone number asks about", async () => {
    const id = `kb-${n++}`;
    const say = async (text: string) =>
      (await a.engine.handleMessage({ channel: "web", conversationId: id, text })).replies[0] as Reply;
    const wages = await say("我是达拉特旗的，工地老板欠了我三个月工资一万八，找不到人了");
    expect(wages.text).toContain("达拉特旗人力资源和社会保障局");
    // Asked for a number: the office and its hotline, not an entry whose words include 电话.
    const phone = await say("劳动监察大队电话多少");
    expect(phone.kind).toBe("referral");
    expect(phone.answerId).toBeUndefined();
    expect(phone.text).toContain("达拉特旗人力资源和社会保障局劳动保障监察大队");
    expect(phone.text).toContain("12333");
    expect(phone.text).toContain("12345");
    // A later question, with no place in it, still names the citizen's own office.
    const dibao = await say("低保怎么申请");
    expect(dibao.kind).toBe("answer");
    expect(dibao.text).toContain("达拉特旗民政局");
    // Without a place, the kind of office and how to name it.
    const bare = await ask("医保局周六上班吗");
    expect(bare.text).toContain("医疗保障");
    expect(bare.text).toContain("12393");
    expect(bare.text).toContain("告诉我你在哪个旗县区");
    // A message that only says where the citizen is: acknowledged and remembered, not a question we are unsure of.
    const other = `kb-${n++}`;
    const tell = async (text: string) =>
      (await a.engine.handleMessage({ channel: "web", conversationId: other, text })).replies[0] as Reply;
    const where = await tell("我在包头市青山区");
    expect(where.kind).toBe("smalltalk");
    expect(where.text).toContain("包头市青山区");
    expect((await tell("低保怎么申请")).text).toContain("青山区民政局");
    // A question about a matter that names an office is answered as that matter.
    expect((await ask("派出所不给立案怎么办")).kind).toBe("answer");
  });

  it("answers custody by the child's age the question states", async () => {
    expect((await ask("孩子三岁，离婚归谁")).answerId).toBe("marriage-family-custody-over-two");
    expect((await ask("离婚孩子一岁多归谁")).answerId).toBe("marriage-family-custody-under-two");
    expect((await ask("八个月的孩子离婚判给谁")).answerId).toBe("marriage-family-custody-under-two");
  });

  it("warns about the 3-year limitation when the debt is years old", async () => {
    const r = await ask("三年前借给朋友五万块钱，打了借条，到现在一直不还，我还能去法院告他吗");
    expect(["answer", "referral"]).toContain(r.kind);
    expect(r.text).toContain("注意时效");
    expect(r.text).toMatch(/3年/);
  });

  it("offers to file a grievance against an organisation from the answer", async () => {
    const r = await ask("老板拖欠工资三个月不给怎么办");
    expect(r.kind).toBe("answer");
    expect(r.buttons?.map((b) => b.label)).toContain("我要投诉");
  });

  it("gives a question outside every domain no answer, no referral and no unrelated suggestion", async () => {
    for (const q of ["羊肉怎么炖才不膻", "明天呼和浩特下雪吗", "工伤这个词用英语怎么说，简历上要写"]) {
      const r = await ask(q);
      expect(r.kind).not.toBe("answer");
      expect(r.kind).not.toBe("referral");
      expect(r.buttons?.map((b) => b.label) ?? []).toEqual(["转人工"]);
    }
  });
});
