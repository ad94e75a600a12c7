import { afterEach, describe, expect, it } from "vitest";
import type { StaffMember } from "../handoff/roster.js";
import { testAssistant } from "./helpers.js";
import { forEachStore } from "./stores.js";

type T = Awaited<ReturnType<typeof testAssistant>>;
let a: T;
afterEach(async () => a?.cleanup());

let clock = new Date("2026-11-27T02:00:00Z"); // Friday 10:00 in Hohhot
const now = () => clock;
const advance = (seconds: number) => {
  clock = new Date(clock.getTime() + seconds * 1000);
};

async function setup(withShift = true) {
  clock = new Date("2026-11-27T02:00:00Z");
  a = await testAssistant({ now });
  const shifts = withShift ? ["mon-sun 00:00-24:00"] : [];
  await a.staff.add({ username: "wang", password: "wang-password-1", role: "counselor", shifts });
  await a.staff.add({ username: "li", password: "li-password-12", role: "counselor", shifts });
  await a.staff.add({ username: "zhao", password: "zhao-password1", role: "supervisor", shifts });
  const get = async (u: string) => (await a.staff.find(u)) as StaffMember;
  return { wang: await get("wang"), li: await get("li"), zhao: await get("zhao") };
}

const say = (conversationId: string, text: string) =>
  a.engine.handleMessage({ channel: "web", conversationId, text });

forEachStore(() => {
  describe("handoff", () => {
    it("orders the queue imminent, then high, then others, oldest first within a level", async () => {
      const { zhao } = await setup();
      await say("h1", "转人工");
      advance(1);
      await say("c-high", "活着真没意思，不想活了");
      advance(1);
      await say("c-imm", "我已经站在楼顶了，马上就跳");
      advance(1);
      await say("c-high2", "我不想活了");
      const q = await a.handoff.queue(zhao);
      expect(q.map((c) => c.conversationId)).toEqual(["c-imm", "c-high", "c-high2", "h1"]);
    });

    it("keeps one open case per conversation: further messages join it", async () => {
      const { zhao } = await setup();
      await say("c", "我不想活了");
      await say("c", "真的撑不下去了");
      await say("c", "转人工");
      expect(await a.handoff.queue(zhao)).toHaveLength(1);
    });

    it("lets exactly one of two racing counselors claim a case", async () => {
      const { wang, li } = await setup();
      await say("c", "我不想活了");
      const [id] = (await a.handoff.queue(wang)).map((c) => c.id);
      const results = await Promise.allSettled([
        a.handoff.claim(id as string, wang),
        a.handoff.claim(id as string, li),
      ]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      expect(lost.reason.message).toMatch(/已被其他同事认领/);
    });

    it("keeps the bot silent while a counselor holds the case, but still raises the risk", async () => {
      const { wang } = await setup();
      await say("c", "最近好累，活着没意思");
      const [c] = await a.handoff.queue(wang);
      await a.handoff.claim(c?.id as string, wang);
      const quiet = await say("c", "征地补偿标准是多少");
      expect(quiet.replies).toEqual([]);
      const alerted: { type: string; data: unknown }[] = [];
      a.live.subscribe("staff", (e) => alerted.push(e));
      const rising = await say("c", "药已经吃下去了");
      expect(rising.replies).toEqual([]);
      expect((await a.handoff.get(c?.id as string))?.risk).toBe("imminent");
      await new Promise((r) => setTimeout(r, 50));
      // The holder is paged about the rise, on shift or not.
      expect(alerted).toContainEqual(
        expect.objectContaining({
          type: "page",
          data: expect.objectContaining({ reason: "risk_raised", to: ["wang"] }),
        }),
      );
    });

    it("hands the conversation back to the bot when the case is resolved", async () => {
      const { wang } = await setup();
      await say("c", "转人工");
      const [c] = await a.handoff.queue(wang);
      await a.handoff.claim(c?.id as string, wang);
      await a.handoff.reply(c?.id as string, wang, "您好，我是工作人员");
      await a.handoff.resolve(c?.id as string, wang, "已解答");
      const r = await say("c", "申请劳动仲裁需要什么材料");
      expect(r.replies[0]?.kind).toBe("answer");
    });

    it("requires the emergency follow-up before an imminent case can be resolved", async () => {
      const { wang } = await setup();
      await say("c", "我现在就在楼顶，准备跳下去");
      const [c] = await a.handoff.queue(wang);
      await a.handoff.claim(c?.id as string, wang);
      await expect(a.handoff.resolve(c?.id as string, wang, "已联系110/120")).rejects.toThrow(/随访确认/);
      const done = await a.handoff.resolve(
        c?.id as string,
        wang,
        "已联系110/120",
        "120 已到达现场，确认送医",
      );
      expect(done.state).toBe("resolved");
    });

    it("escalates an unclaimed imminent case after 60 s, tells the citizen, and survives a restart", async () => {
      await setup();
      await say("c", "刀已经在手上了，今晚就结束");
      advance(30);
      expect(await a.handoff.sweep()).toBe(0);
      const dir = a.dir;
      await a.close();
      advance(31);
      // A fresh process on the same database: the deadline is in SQLite, not in a timer.
      a = await testAssistant({ dir, now });
      expect(await a.handoff.sweep()).toBe(1);
      const transcript = await a.conversations.transcript("c");
      const last = transcript[transcript.length - 1]?.payload as { text: string };
      expect(last.text).toContain("12356");
      expect(last.text).toContain("110");
      const events = await a.db.all<{ type: string; payload: string }>(
        "SELECT type, payload FROM case_events ORDER BY id",
      );
      const pages = events.filter((e) => e.type === "paged").map((e) => JSON.parse(e.payload));
      expect(pages.at(-1)).toMatchObject({ reason: "escalation", to: ["wang", "li", "zhao"] });
      advance(10);
      expect(await a.handoff.sweep()).toBe(0);
    });

    it("reassures a waiting person at most three times, further apart, never in the same words", async () => {
      const { wang } = await setup();
      await say("w", "我已经站在楼顶了，马上就跳");
      const replies = async () =>
        (await a.conversations.transcript("w"))
          .filter((e) => e.type === "reply")
          .map((e) => (e.payload as { text: string }).text);
      const first = (await replies()).length;
      const when: number[] = [];
      for (let minute = 1; minute <= 12; minute++) {
        advance(61);
        await a.handoff.sweep();
        if ((await replies()).length > first + when.length) when.push(minute);
      }
      const sent = (await replies()).slice(first);
      expect(sent).toHaveLength(3);
      expect(new Set(sent).size).toBe(3);
      for (const text of sent) expect(text).toMatch(/12356|110|120/);
      // Staff were re-paged every time, though: the queue still shows it, escalated.
      expect(when).toEqual([1, 3, 6]);
      // Nobody has the console open here: none of them says a counselor is on the way.
      for (const text of sent) expect(text).not.toMatch(/正在赶来|为你联系/);
      const [c] = await a.handoff.queue(wang);
      expect(c?.escalations).toBe(12);
    });

    it("audits reading the queue once a minute per person, not once per refresh", async () => {
      const { zhao } = await setup();
      await say("q", "我不想活了");
      const rows = async () =>
        (await a.db.all("SELECT id FROM audit_log WHERE action = 'list_cases' AND username = 'zhao'")).length;
      for (let i = 0; i < 5; i++) await a.handoff.queue(zhao);
      expect(await rows()).toBe(1);
      advance(61);
      await a.handoff.queue(zhao);
      expect(await rows()).toBe(2);
    });

    it("uses slower escalation for high and other cases", async () => {
      await setup();
      await say("high", "我不想活了");
      await say("human", "转人工");
      advance(119);
      expect(await a.handoff.sweep()).toBe(0);
      advance(2);
      expect(await a.handoff.sweep()).toBe(1);
      advance(600);
      expect(await a.handoff.sweep()).toBe(2);
    });

    it("tells the citizen honestly when nobody is on duty", async () => {
      await setup(false);
      const r = await say("c", "转人工");
      expect(r.replies.at(-1)?.text).toContain("没有工作人员值班");
      const crisis = await say("d", "我不想活了");
      expect(crisis.replies.map((x) => x.text).join("\n")).toContain("12356");
      expect(crisis.replies.at(-1)?.text).toContain("暂时没有心理咨询师在线");
    });

    it("shows a counselor only the queue and their own cases, and records every transcript view", async () => {
      const { wang, li } = await setup();
      await say("c", "我不想活了");
      const [c] = await a.handoff.queue(wang);
      await a.handoff.claim(c?.id as string, wang);
      expect(await a.handoff.queue(li)).toEqual([]);
      await expect(a.handoff.view(c?.id as string, li)).rejects.toMatchObject({ code: "forbidden" });
      expect(
        await a.db.get(
          "SELECT 1 AS one FROM audit_log WHERE action = 'view_transcript_refused' AND username = 'li'",
        ),
      ).toBeDefined();
      const view = await a.handoff.view(c?.id as string, wang);
      expect(view.transcript.some((e) => e.type === "inbound")).toBe(true);
      const audit = await a.db.all<{ username: string; action: string; case_id: string }>(
        "SELECT username, action, case_id FROM audit_log WHERE action = 'view_transcript'",
      );
      expect(audit).toEqual([{ username: "wang", action: "view_transcript", case_id: c?.id }]);
    });
  });
});
