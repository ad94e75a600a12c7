import { afterEach, describe, expect, it } from "vitest";
import { messages } from "../bot/messages.js";
import type { InboundMessage } from "../bot/turn.js";
import { createLogger } from "../core/logger.js";
import { testAssistant } from "./helpers.js";
import { forEachStore } from "./stores.js";

type T = Awaited<ReturnType<typeof testAssistant>>;
let a: T;
afterEach(async () => a?.cleanup());

/** A real supervisor account: reading the queue is audited against it. */
async function supervisor() {
  await a.staff.add({ username: "sup", password: "supervisor-pw-1", role: "supervisor", shifts: [] });
  return (await a.staff.find("sup")) as NonNullable<Awaited<ReturnType<typeof a.staff.find>>>;
}

const msg = (text: string, extra: Partial<InboundMessage> = {}): InboundMessage => ({
  channel: "web",
  conversationId: "c-1",
  text,
  ...extra,
});

forEachStore(() =>
  describe("engine", () => {
    it("answers a policy question with its citation and where to get binding help", async () => {
      a = await testAssistant();
      const r = await a.engine.handleMessage(msg("申请劳动仲裁的时效是多长时间"));
      const reply = r.replies[0];
      expect(reply?.kind).toBe("answer");
      expect(reply?.text).toMatch(/【法律依据】\n《[^》]+》第/);
      expect(reply?.text).toContain("12348");
      expect(reply?.citations?.length).toBeGreaterThan(0);
    });

    it("takes a short follow-up (在哪申请, 要带什么材料) as about the answer just given, and asks for the matter when there is none", async () => {
      a = await testAssistant();
      const say = async (text: string, id = "fu") =>
        (await a.engine.handleMessage(msg(text, { conversationId: id }))).replies;
      const first = await say("我家羊被狼咬死了五只，能赔吗");
      expect(first[0]?.kind).toBe("answer");
      const title = /^【(.+?)】/.exec(first[0]?.text ?? "")?.[1] ?? "";
      expect(title).not.toBe("");
      for (const text of ["在哪申请", "要带什么材料？", "我在锡林浩特，去哪办"]) {
        const [r] = await say(text);
        expect(r?.text, text).toContain(`关于「${title}」`);
        expect(r?.text, text).not.toContain("【法律依据】");
      }
      // An acknowledgement made of the same words asks nothing about it.
      expect((await say("好的"))[0]?.text).toBe(messages.acknowledged);
      // The place given names the citizen's own office.
      expect((await say("我在锡林浩特，去哪办"))[0]?.text).toContain("锡林浩特市");
      // Asked first, with nothing answered before it, the matter is asked for: no entry answers words of asking.
      for (const text of ["在哪申请", "要带什么材料", "电话多少"]) {
        const fresh = await say(text, `fu-fresh-${text}`);
        expect(
          fresh.map((r) => r.kind),
          text,
        ).toEqual(["clarify"]);
        expect(fresh[0]?.text, text).toContain("你想办的是哪件事");
      }
      // A matter named with them is answered as before.
      expect((await say("低保在哪申请", "fu-matter"))[0]?.kind).toBe("answer");
    });

    it("reads a short question that leans on the answer before it with that answer's matter, and a new matter as new", async () => {
      a = await testAssistant();
      const say = async (text: string, id = "lean") =>
        (await a.engine.handleMessage(msg(text, { conversationId: id }))).replies;
      const first = (await say("离婚以后孩子的抚养费该怎么要"))[0];
      expect(first?.kind).toBe("answer");
      expect(first?.text).toMatch(/^【[^】]*抚养费/);
      // Alone, 他不给怎么办 names no matter: not sure.
      expect((await say("他不给怎么办", "lean-alone"))[0]?.kind).not.toBe("answer");
      const next = (await say("他不给怎么办"))[0];
      expect(next?.kind).toBe("answer");
      expect(next?.answerId).not.toBe(first?.answerId);
      expect(next?.answerId).toMatch(/^marriage-family-/);
      expect(next?.text).toMatch(/^【[^】]*抚养费/);
      // A new matter right after it is its own question.
      const other = (await say("低保咋申请"))[0];
      expect(other?.kind).toBe("answer");
      expect(other?.text).toMatch(/^【[^】]*低保/);
      // A short follow-up that the learned crisis model alone leans on is answered, not met with the support path.
      await say("工伤认定的申请期限是多久", "lean-late");
      const late = (await say("都过了一年了呢", "lean-late"))[0];
      expect(late?.kind).toBe("answer");
      expect(late?.text).toContain("工伤");
      // The sentence of the answer that speaks to it, quoted back: the one-year limit.
      expect(late?.text).toMatch(/「[^」]*1年内[^」]*」/);
      // A feeling said after an answer asks nothing about the matter: it is met as a feeling.
      const tired = (await say("好累啊", "lean-late"))[0];
      expect(tired?.kind).toBe("distress");
    });

    it("understands traditional characters the same way", async () => {
      a = await testAssistant();
      const simp = await a.engine.handleMessage(msg("拖欠农民工工资找哪个部门投诉", { conversationId: "s" }));
      const trad = await a.engine.handleMessage(msg("拖欠農民工工資找哪個部門投訴", { conversationId: "t" }));
      expect(trad.replies[0]?.answerId).toBeDefined();
      expect(trad.replies[0]?.answerId).toBe(simp.replies[0]?.answerId);
    });

    it("answers a compound written apart as it answers the compound (拖欠工资 and 工资被拖欠)", async () => {
      a = await testAssistant();
      const whole = await a.engine.handleMessage(msg("拖欠工资找谁", { conversationId: "w" }));
      const apart = await a.engine.handleMessage(msg("工资被拖欠了找谁", { conversationId: "p" }));
      expect(whole.replies[0]?.answerId).toBeDefined();
      expect(apart.replies[0]?.answerId).toBe(whole.replies[0]?.answerId);
    });

    it("puts crisis first: hotlines in the same turn, no FAQ answer, and a case for a counselor", async () => {
      a = await testAssistant();
      const r = await a.engine.handleMessage(msg("征地补偿一直不给，我真的不想活了"));
      expect(r.risk === "high" || r.risk === "imminent").toBe(true);
      expect(r.replies.some((x) => x.kind === "answer")).toBe(false);
      const text = r.replies.map((x) => x.text).join("\n");
      for (const hotline of ["12356", "110", "120"]) expect(text).toContain(hotline);
      expect(text).toContain("安全");
      const queue = await a.handoff.queue(await supervisor());
      expect(queue).toHaveLength(1);
      expect(queue[0]?.kind).toBe("crisis");
    });

    it("meets a threat against someone with 110 and calm words, in a case marked as a threat", async () => {
      a = await testAssistant();
      const r = await a.engine.handleMessage(msg("包工头欠我八万块不给，我明天就拿刀去砍死他"));
      const text = r.replies.map((x) => x.text).join("\n");
      expect(r.replies[0]?.kind).toBe("crisis");
      expect(text).toContain("110");
      expect(text).toContain("12348");
      expect(text).not.toContain("你现在安全吗");
      const queue = await a.handoff.queue(await supervisor());
      expect(queue.map((c) => [c.kind, c.riskKind])).toEqual([["crisis", "others"]]);
    });

    it("meets anger that wishes someone dead with calm words and a counselor, not the emergency path", async () => {
      a = await testAssistant();
      const r = await a.engine.handleMessage(msg("那个骗了我钱的人，我天天盼着他早点去死"));
      const text = r.replies.map((x) => x.text).join("\n");
      expect(r.replies.some((x) => x.kind === "crisis")).toBe(false);
      expect(r.replies[0]?.kind).toBe("distress");
      for (const s of ["12356", "110", "心理咨询师"]) expect(text).toContain(s);
      expect(text).not.toContain("你现在安全吗");
      const sup = await supervisor();
      expect(await a.handoff.queue(sup)).toHaveLength(0);
      // Accepted, the offer opens a case a counselor can see is about anger at someone else.
      await a.engine.handleMessage(msg("好"));
      const queue = await a.handoff.queue(sup);
      expect(queue.map((c) => c.riskKind)).toEqual(["others"]);
    });

    it("tells a person being hurt at home how to get safe: 110, 12338 and a protection order", async () => {
      a = await testAssistant();
      const r = await a.engine.handleMessage(msg("我老公一喝酒就打我，身上青一块紫一块的"));
      const text = r.replies.map((x) => x.text).join("\n");
      for (const s of ["110", "12338", "人身安全保护令"]) expect(text).toContain(s);
      expect(r.replies.some((x) => x.kind === "answer")).toBe(false);
      // The counselor offer, accepted, opens a case that says what happened.
      await a.engine.handleMessage(msg("好的"));
      const queue = await a.handoff.queue(await supervisor());
      expect(queue.map((c) => c.riskKind)).toEqual(["harmed"]);
    });

    it("names the help that fits who is doing the harm: school, work or strangers, not the domestic-violence line", async () => {
      a = await testAssistant();
      const told = async (id: string, text: string) =>
        (await a.engine.handleMessage(msg(text, { conversationId: id }))).replies
          .map((x) => x.text)
          .join("\n");
      const school = await told("h-school", "在学校天天被几个同学堵在厕所里打，我不敢跟老师说");
      for (const s of ["110", "12355", "老师"]) expect(school).toContain(s);
      const work = await told("h-work", "砖厂老板扣着我们的身份证不让走，谁跑就打");
      for (const s of ["110", "12333"]) expect(work).toContain(s);
      const online = await told("h-online", "有个男的在网上天天骂我，还把我家地址发到群里");
      for (const s of ["110", "派出所", "12348"]) expect(online).toContain(s);
      for (const text of [school, work, online]) {
        expect(text).not.toContain("12338 妇女维权热线");
        expect(text).not.toContain("保护令");
      }
      // Nobody named (他又打我了) is still met with the domestic-violence help, the likeliest reading.
      expect(await told("h-unnamed", "他又打我了，身上都是伤")).toContain("人身安全保护令");
      // Beaten by someone (被人) who asks how to report it: the answer on what to do, 110 beside it, no 12338.
      const [beaten] = (
        await a.engine.handleMessage(msg("在集上被人打了，咋报警", { conversationId: "h-asks" }))
      ).replies;
      expect(beaten?.kind).toBe("answer");
      expect(beaten?.text).toContain("110");
      expect(beaten?.text).not.toContain("12338 妇女维权热线");
    });

    it("meets someone grieving a suicide with support and a counselor offer, not the 'TA is in danger' reply", async () => {
      a = await testAssistant();
      const r = await a.engine.handleMessage(msg("我表哥上个月跳楼自杀了，我到现在都缓不过来"));
      const text = r.replies.map((x) => x.text).join("\n");
      expect(r.replies.some((x) => x.kind === "crisis")).toBe(false);
      expect(r.replies[0]?.kind).toBe("distress");
      expect(text).toContain("12356");
      expect(text).not.toContain("TA");
      // Words for a loss, and the door left open in case the grief turns into a wish to die.
      expect(text).toContain("失去身边的人");
      expect(text).toContain("不想活下去的念头");
      // Their own wish to die in the same message is still the emergency path.
      const own = await a.engine.handleMessage(
        msg("我朋友昨天自杀了，我也不想活了", { conversationId: "bereaved-2" }),
      );
      expect(own.replies[0]?.kind).toBe("crisis");
    });

    it("meets someone talking a friend out of it with words for the helper, not the reply for a person at risk", async () => {
      a = await testAssistant();
      const r = await a.engine.handleMessage(msg("老弟，烧炭那条路受罪得很，你可别去"));
      const text = r.replies.map((x) => x.text).join("\n");
      expect(r.replies.some((x) => x.kind === "crisis")).toBe(false);
      expect(r.replies[0]?.kind).toBe("distress");
      expect(text).toContain("你在劝一个正处在困难里的人");
      for (const s of ["110", "12356"]) expect(text).toContain(s);
    });

    it("still serves a question asked in anger, and meets a bare insult with calm words and the ways on", async () => {
      a = await testAssistant();
      const calm = await a.engine.handleMessage(msg("低保怎么申请", { conversationId: "calm" }));
      const angry = await a.engine.handleMessage(
        msg("你们这帮吃干饭的，问了几遍了，低保怎么申请", { conversationId: "angry" }),
      );
      expect(angry.risk).toBe("distress");
      expect(calm.replies[0]?.kind).toBe("answer");
      expect(angry.replies[0]?.kind).toBe("answer");
      expect(angry.replies[0]?.answerId).toMatch(/dibao/);
      expect(angry.replies[0]?.text).toMatch(/^听得出你心里有火/);
      // Nothing to act on: the anger heard, how to go on, a person to talk to; no FAQ guesses, no counselor case.
      const bare = await a.engine.handleMessage(msg("废物客服", { conversationId: "bare" }));
      const text = bare.replies.map((x) => x.text).join("\n");
      expect(bare.replies).toHaveLength(1);
      expect(text).toContain("很生气");
      expect(text).toContain("12356");
      expect(bare.replies[0]?.buttons?.map((b) => b.label)).toEqual(["转人工"]);
      expect(await a.handoff.queue(await supervisor())).toHaveLength(0);
      // Being insulted is not insulting: the victim's question is answered as one.
      const victim = await a.engine.handleMessage(
        msg("有人在网上骂我是废物还造谣，能报警吗", { conversationId: "victim" }),
      );
      expect(victim.replies[0]?.text ?? "").not.toMatch(/^听得出你心里有火/);
    });

    it("meets a writer who keeps berating their family with words about the temper and a counselor", async () => {
      a = await testAssistant();
      const r = await a.engine.handleMessage(msg("我一生气就骂我老婆是废物，骂完又后悔"));
      const text = r.replies.map((x) => x.text).join("\n");
      expect(r.replies[0]?.kind).toBe("distress");
      expect(text).toContain("控制不住脾气");
      for (const s of ["110", "12356", "心理咨询师"]) expect(text).toContain(s);
      await a.engine.handleMessage(msg("好"));
      expect((await a.handoff.queue(await supervisor())).map((c) => c.riskKind)).toEqual(["others"]);
    });

    it("answers quarrels over custody, parents' care and money as questions, not with a safety or threat reply", async () => {
      a = await testAssistant();
      for (const [i, text] of [
        "离婚后前妻不让我见儿子怎么办",
        "我姐我哥都不管我妈，就我一个人伺候，他们能不出钱吗",
        "我的三轮车在村道上和别人的电动车刮了一下，对方要我全赔",
      ].entries()) {
        const r = await a.engine.handleMessage(msg(text, { conversationId: `q-${i}` }));
        expect(r.risk, text).toBe("none");
        expect(
          r.replies.some((x) => x.kind === "crisis" || x.kind === "distress"),
          text,
        ).toBe(false);
      }
      expect(await a.handoff.queue(await supervisor())).toHaveLength(0);
    });

    it("never takes a deadline question for a farewell", async () => {
      a = await testAssistant();
      for (const [i, text] of [
        "今天是医保缴费最后一天，还能交吗",
        "草原补奖公示明天最后一天",
        "报名明天截止，今晚还来得及吗",
      ].entries()) {
        const r = await a.engine.handleMessage(msg(text, { conversationId: `d-${i}` }));
        expect(r.risk, text).toBe("none");
        expect(
          r.replies.some((x) => x.kind === "crisis"),
          text,
        ).toBe(false);
      }
      const queue = await a.handoff.queue(await supervisor());
      expect(queue).toHaveLength(0);
    });

    it("words a third party at risk differently from the writer at risk", async () => {
      a = await testAssistant();
      const r = await a.engine.handleMessage(msg("我朋友刚才说她不想活了，怎么办"));
      expect(r.replies[0]?.kind).toBe("crisis");
      expect(r.replies[0]?.text).toContain("TA");
    });

    it("offers support and a counselor at distress, never an FAQ answer in that turn", async () => {
      a = await testAssistant();
      const r = await a.engine.handleMessage(msg("最近压力好大，天天失眠，好焦虑"));
      expect(r.risk).toBe("distress");
      expect(r.replies[0]?.kind).toBe("distress");
      expect(r.replies[0]?.text).toContain("12356");
      const yes = await a.engine.handleMessage(msg("好的"));
      expect(yes.replies.map((x) => x.kind)).toContain("handoff");
    });

    it("answers a redelivered message once: the same replies, no second event", async () => {
      a = await testAssistant();
      const first = await a.engine.handleMessage(msg("我想订阅普法内容", { messageId: "m-1" }));
      const again = await a.engine.handleMessage(msg("我想订阅普法内容", { messageId: "m-1" }));
      expect(again.duplicate).toBe(true);
      expect(again.replies).toEqual(first.replies);
      const inbound = (await a.conversations.events("c-1")).filter((e) => e.type === "inbound");
      expect(inbound).toHaveLength(1);
    });

    it("says honestly that it cannot read Mongolian script, in both languages", async () => {
      a = await testAssistant();
      const r = await a.engine.handleMessage(msg("ᠰᠠᠶᠢᠨ ᠪᠠᠶᠢᠨ᠎ᠠ ᠤᠤ ᠲᠠ ᠨᠠᠳᠠ ᠳᠤ ᠲᠤᠰᠠᠯᠠᠵᠤ ᠴᠢᠳᠠᠬᠤ ᠤᠤ"));
      expect(r.replies[0]?.kind).toBe("unreadable");
      expect(r.replies[0]?.text).toMatch(/[\u1800-\u18af]/);
      expect(r.replies[0]?.text).toContain("中文");
    });

    it("does not answer an unrelated question confidently", async () => {
      a = await testAssistant();
      const r = await a.engine.handleMessage(msg("今天呼和浩特的天气怎么样，要不要穿羽绒服"));
      expect(r.replies[0]?.kind).not.toBe("answer");
      expect(r.replies[0]?.buttons?.some((b) => b.payload === "转人工")).toBe(true);
    });

    it("refuses empty, oversized and binary text without storing anything", async () => {
      a = await testAssistant();
      await expect(a.engine.handleMessage(msg("   "))).rejects.toMatchObject({ code: "bad_input" });
      await expect(a.engine.handleMessage(msg("长".repeat(5000)))).rejects.toMatchObject({
        code: "too_large",
      });
      await expect(a.engine.handleMessage(msg("a\u0000b"))).rejects.toMatchObject({ code: "bad_input" });
      expect(await a.conversations.get("c-1")).toBeUndefined();
    });

    it("takes 'I don't want the subscription any more' as an unsubscribe, not as distress", async () => {
      a = await testAssistant();
      await a.engine.handleMessage(msg("订阅 劳动"));
      expect((await a.conversations.get("c-1"))?.subscribed).toBe(true);
      for (const text of ["我不想订阅了", "不想再收到推送了"]) {
        const r = await a.engine.handleMessage(msg(text));
        expect(r.risk, text).toBe("none");
        expect(
          r.replies.map((x) => x.kind),
          text,
        ).not.toContain("distress");
      }
      expect((await a.conversations.get("c-1"))?.subscribed).toBe(false);
      expect((await a.subscriptions.get("c-1")).topics).toEqual([]);
    });

    it("keeps the conversation and subscription across a restart of the process", async () => {
      a = await testAssistant();
      await a.engine.handleMessage(msg("订阅 劳动"));
      const dir = a.dir;
      await a.close();
      const b = await testAssistant({ dir });
      const r = await b.engine.handleMessage(msg("订阅 劳动就业"));
      expect(r.replies[0]?.kind).toBe("subscription");
      expect(r.replies[0]?.text).toContain("已经订阅");
      const transcript = await b.conversations.transcript("c-1");
      expect(transcript.filter((e) => e.type === "inbound")).toHaveLength(2);
      a = b;
    });

    it("stores every turn of a burst written together, even when one of them is a redelivery", async () => {
      a = await testAssistant();
      await a.engine.handleMessage(msg("你好", { conversationId: "dup", messageId: "u-1" }));
      const burst = await Promise.all([
        ...Array.from({ length: 8 }, (_, i) =>
          a.engine.handleMessage(msg("订阅", { conversationId: `b-${i}`, messageId: `b-${i}` })),
        ),
        a.engine.handleMessage(msg("你好", { conversationId: "dup", messageId: "u-1" })),
      ]);
      expect(burst.filter((r) => r.duplicate)).toHaveLength(1);
      for (let i = 0; i < 8; i++) {
        expect((await a.conversations.transcript(`b-${i}`)).map((e) => e.type)).toEqual(["inbound", "reply"]);
      }
      expect((await a.conversations.transcript("dup")).filter((e) => e.type === "inbound")).toHaveLength(1);
    });

    it("keeps ID numbers out of the stored transcript", async () => {
      a = await testAssistant();
      await a.engine.handleMessage(msg("我的身份证11010519491231002X，想问法律援助怎么申请"));
      const stored = JSON.stringify(await a.conversations.events("c-1"));
      expect(stored).not.toContain("11010519491231002");
      expect(stored).toContain("110*************2X");
    });

    it("keeps ID numbers out of the transcript, the case queue and the logs, however they are typed", async () => {
      const lines: string[] = [];
      a = await testAssistant({
        logger: createLogger({ destination: { write: (l: string) => lines.push(l) } }),
      });
      await a.staff.add({ username: "sup", password: "supervisor-pw-1", role: "supervisor", shifts: [] });
      const typed = [
        "１１０１０５１９９００３０７１２３９", // full-width
        "110105 19900307 1239", // grouped with spaces
        "110105-1990-0307-123X", // hyphens
        "110105199003071238", // wrong checksum: still an ID number
        "13800138000 110105199003071237 2号楼", // beside other numbers
      ];
      for (const [i, id] of typed.entries())
        await a.engine.handleMessage(msg(`我身份证是${id}，我真的不想活了`, { conversationId: `id-${i}` }));
      const sup = await a.staff.find("sup");
      const queue = JSON.stringify(await a.handoff.queue(sup as NonNullable<typeof sup>));
      const stored = JSON.stringify(await a.db.all("SELECT payload FROM events"));
      const cases = JSON.stringify(await a.db.all("SELECT first_message FROM cases"));
      a.logger.error({
        err: new Error(`lookup failed for ${typed[3]}`),
        deep: { a: { b: { c: { d: { e: { f: { g: typed[2] } } } } } } },
      });
      for (const where of [queue, stored, cases, lines.join("\n")]) {
        for (const digits of ["19900307", "１９９００３０７"]) expect(where).not.toContain(digits);
      }
      expect(cases).toContain("110*************39");
    });

    it("serves two quick messages of one conversation in order", async () => {
      a = await testAssistant();
      const [x, y] = await Promise.all([
        a.engine.handleMessage(msg("订阅 劳动")),
        a.engine.handleMessage(msg("订阅 劳动")),
      ]);
      expect(x.replies[0]?.text).toContain("已订阅");
      expect(y.replies[0]?.text).toContain("已经订阅");
    });
  }),
);
