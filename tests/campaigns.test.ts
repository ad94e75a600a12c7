import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../bot/config.js";
import { onDutyCounselor, runCommand, testAssistant, until } from "./helpers.js";
import { forEachStore, storeEnv } from "./stores.js";

type A = Awaited<ReturnType<typeof testAssistant>>;
let a: A | undefined;
afterEach(async () => {
  await a?.cleanup();
  a = undefined;
});

/** A clock the test moves: 10:00 China time on a Tuesday, outside the default quiet hours. */
function clock(start = "2026-03-10T02:00:00Z") {
  let t = Date.parse(start);
  return {
    now: () => new Date(t),
    set: (iso: string) => {
      t = Date.parse(iso);
    },
  };
}

/** `time`: null for the real clock (the CLI, in its own connection, reads the real clock too). */
async function setup(time: ReturnType<typeof clock> | null = clock()) {
  const x = await testAssistant({ ...(time ? { now: time.now } : {}), campaigns: { tickMs: 20 } });
  await x.staff.add({ username: "zhao", password: "zhao-password-1", role: "editor" });
  await x.staff.add({ username: "qian", password: "qian-password-1", role: "admin" });
  await x.staff.add({ username: "sun", password: "sun-password-1", role: "admin" });
  return x;
}

const say = (x: A, conversationId: string, text: string) =>
  x.engine.handleMessage({ channel: "web", conversationId, text });

async function subscribe(x: A, conversationId: string, topic: string, place = "全区") {
  await say(x, conversationId, `订阅 ${topic}`);
  await say(x, conversationId, place);
}

const cli = (x: A, args: string[]) => runCommand(parseConfig(storeEnv(x.target)), args);

forEachStore(() => {
  describe("campaigns from the command line", () => {
    it("drafts, refuses the author's own approval, approves by another admin, and reports status as JSON", async () => {
      a = await setup(null);
      await subscribe(a, "w1", "劳动");
      await subscribe(a, "w2", "劳动", "呼和浩特市");
      await subscribe(a, "w3", "反诈");
      const created = await cli(a, [
        "campaign",
        "create",
        "--title",
        "工资被拖欠怎么办",
        "--topic",
        "劳动",
        "--place",
        "呼和浩特市",
        "--text",
        "用人单位应当按时足额支付劳动报酬。",
        "--quiet-hours",
        "none",
        "--by",
        "qian",
      ]);
      expect(created.err).toContain("1 subscriber");
      expect(created.code).toBe(0);
      const id = created.out.trim();
      expect(id).toMatch(/^\d+$/);
      const own = await cli(a, ["campaign", "approve", id, "--by", "qian"]);
      expect(own.code).toBe(1);
      expect(own.err).toContain("起草人不能批准");
      const editor = await cli(a, ["campaign", "approve", id, "--by", "zhao"]);
      expect(editor.code).toBe(1);
      const before = JSON.parse((await cli(a, ["campaign", "status", id, "--json"])).out);
      expect(before).toMatchObject({ state: "draft", recipients: 1, sent: 0, failed: 0, skipped: 0 });
      expect((await cli(a, ["campaign", "approve", id, "--by", "sun"])).code).toBe(0);
      a.dispatcher.start();
      const after = await until(async () => {
        const s = JSON.parse((await cli(a as A, ["campaign", "status", id, "--json"])).out);
        return s.state === "done" && s;
      });
      expect(after).toMatchObject({ state: "done", recipients: 1, sent: 1, failed: 0, skipped: 0 });
      const w2 = await a.conversations.transcript("w2");
      expect(w2.at(-1)?.payload).toMatchObject({ kind: "campaign" });
      expect((w2.at(-1)?.payload as { text?: string } | undefined)?.text).toContain("回复「退订 劳动就业」");
      expect(
        (await a.conversations.transcript("w1")).some(
          (e) => (e.payload as { kind?: string }).kind === "campaign",
        ),
      ).toBe(false);
    });

    it("refuses bad input with a clear message and changes nothing", async () => {
      a = await setup();
      await subscribe(a, "w1", "劳动");
      const base = ["campaign", "create", "--title", "标题", "--topic", "劳动", "--by", "zhao"];
      const cases: [string[], RegExp][] = [
        [[...base, "--text", "   "], /正文不能为空/],
        [[...base, "--text", "长".repeat(1501)], /正文最多 1500 个字/],
        [[...base, "--text", "内容", "--topic", "天气"], /未知的主题「天气」/],
        [[...base, "--text", "内容", "--place", "火星市"], /未知的地区「火星市」/],
        [[...base, "--text", "内容", "--at", "2026-03-01T09:00+08:00"], /已经过去/],
        [[...base, "--text", "内容", "--quiet-hours", "晚上"], /免打扰时段/],
        [
          ["campaign", "create", "--title", "标题", "--topic", "草原", "--text", "内容", "--by", "zhao"],
          /没有符合条件的订阅者/,
        ],
        [[...base, "--text", "内容", "--entry", "no-such-entry"], /知识库里没有条目/],
        [
          ["campaign", "create", "--title", "标题", "--topic", "劳动", "--text", "内容", "--by", "nobody"],
          /没有这位工作人员/,
        ],
      ];
      for (const [args, message] of cases) {
        const r = await cli(a, args);
        expect(r.code, args.join(" ")).toBe(1);
        expect(r.err, args.join(" ")).toMatch(message);
      }
      expect(await a.campaigns.list()).toEqual([]);
      const missing = await cli(a, ["campaign", "approve", "7", "--by", "sun"]);
      expect(missing.err).toContain("没有编号为 7");
    });
  });

  describe("campaign delivery to web-chat subscribers", () => {
    it("never sends to a person in crisis, with a counselor, or past the weekly cap, and counts each reason", async () => {
      const time = clock();
      a = await setup(time);
      await onDutyCounselor(a);
      for (const c of ["ok", "crisis", "held", "capped", "joined"]) await subscribe(a, c, "反诈");
      await say(a, "crisis", "我不想活了");
      // Another conversation of the same person joined that crisis case (the web client opened a second one).
      const crisisCase = await a.db.get<{ id: string }>(
        "SELECT id FROM cases WHERE conversation_id = 'crisis'",
      );
      await a.db.run(
        "INSERT INTO case_conversations (case_id, conversation_id, joined_at) VALUES (?, 'joined', ?)",
        [crisisCase?.id ?? null, time.now().toISOString()],
      );
      await say(a, "held", "转人工");
      const held = (await a.handoff.queue((await a.staff.find("wang")) as never)).find(
        (c) => c.conversationId === "held",
      );
      if (held) await a.handoff.claim(held.id, (await a.staff.find("wang")) as never);
      // Two campaigns earlier this week used up "capped"'s allowance of 2.
      const send = async (cap: number) => {
        const { campaign } = await (a as A).campaigns.create(
          {
            title: "防范电信诈骗",
            body: "陌生来电让转账，一律是诈骗。",
            topics: ["反诈"],
            weeklyCap: cap,
            quietHours: null,
          },
          "zhao",
        );
        await (a as A).campaigns.approve(campaign.id, "qian");
        return campaign.id;
      };
      for (let i = 0; i < 2; i++) {
        await a.db.run(
          "INSERT INTO campaigns (title, body, topics, channels, send_at, state, author, created_at, updated_at) VALUES ('旧', '旧', '[]', '[]', ?, 'done', 'zhao', ?, ?)",
          ["2026-03-09T00:00:00Z", "2026-03-09T00:00:00Z", "2026-03-09T00:00:00Z"],
        );
        await a.db.run(
          "INSERT INTO campaign_deliveries (campaign_id, conversation_id, channel, state, sent_at) VALUES (?, 'capped', 'web', 'sent', ?)",
          [i + 1, `2026-03-0${8 + i}T03:00:00Z`],
        );
      }
      const id = await send(2);
      a.dispatcher.start();
      const s = await until(async () => {
        const st = await (a as A).campaigns.status(id);
        return st.state === "done" && st;
      });
      expect(s).toMatchObject({ recipients: 5, sent: 1, skipped: 4, failed: 0 });
      expect(s.skippedBy).toEqual({ crisis_case: 2, with_counselor: 1, weekly_cap: 1 });
      const kinds = async (c: string) =>
        (await (a as A).conversations.transcript(c)).map((e) => (e.payload as { kind?: string }).kind);
      expect(await kinds("ok")).toContain("campaign");
      for (const c of ["crisis", "held", "capped"]) expect(await kinds(c)).not.toContain("campaign");
    });

    it("waits out the quiet hours, and counts 了解更多 and unsubscribes after it", async () => {
      const time = clock("2026-03-10T14:00:00Z"); // 22:00 China time
      a = await setup(time);
      await subscribe(a, "w1", "婚姻");
      await subscribe(a, "w2", "婚姻");
      const { campaign, reply } = await a.campaigns.create(
        {
          title: "离婚冷静期",
          body: "协议离婚有三十日冷静期。",
          topics: ["婚姻家庭"],
          articles: ["民法典 第一千零七十七条"],
        },
        "zhao",
      );
      expect(reply.text).toContain("《民法典》第一千零七十七条");
      await a.campaigns.approve(campaign.id, "qian");
      a.dispatcher.start();
      await a.dispatcher.poke();
      await new Promise((r) => setTimeout(r, 200));
      expect((await a.campaigns.status(campaign.id)).sent).toBe(0);
      time.set("2026-03-11T00:30:00Z"); // 08:30 China time
      await until(async () => (await (a as A).campaigns.status(campaign.id)).state === "done");
      const notice = (await a.conversations.transcript("w1")).at(-1)?.payload as {
        text: string;
        buttons: { payload: string }[];
      };
      expect(notice.text).toBe(reply.text);
      const more = notice.buttons.find((b) => b.payload.startsWith("了解更多"))?.payload as string;
      const r = await say(a, "w1", more);
      expect(r.replies[0]?.text).toContain("第一千零七十七条");
      await say(a, "w1", more);
      await say(a, "w2", "退订");
      expect(await a.campaigns.status(campaign.id)).toMatchObject({
        sent: 2,
        opens: 1,
        unsubscribedAfter: 1,
      });
    });

    it("is cancelled or paused at any time by an admin", async () => {
      a = await setup();
      await subscribe(a, "w1", "土地");
      const { campaign } = await a.campaigns.create(
        { title: "征地补偿", body: "补偿标准要公告。", topics: ["土地"], sendAt: "2026-03-12T09:00+08:00" },
        "zhao",
      );
      await a.campaigns.approve(campaign.id, "qian");
      await expect(a.campaigns.pause(campaign.id, "zhao")).rejects.toMatchObject({ code: "forbidden" });
      expect((await a.campaigns.pause(campaign.id, "sun")).state).toBe("paused");
      expect((await a.campaigns.resume(campaign.id, "sun")).state).toBe("approved");
      expect((await a.campaigns.cancel(campaign.id, "sun")).state).toBe("cancelled");
      await expect(a.campaigns.approve(campaign.id, "sun")).rejects.toMatchObject({
        code: "illegal_transition",
      });
    });
  });
});
