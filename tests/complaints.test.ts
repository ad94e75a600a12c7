import { afterEach, describe, expect, it } from "vitest";
import { departmentTopic } from "../handoff/complaint-context.js";
import type { StaffMember } from "../handoff/roster.js";
import { LABOUR_CLERK, onDutyCounselor, testAssistant } from "./helpers.js";
import { forEachStore } from "./stores.js";

type T = Awaited<ReturnType<typeof testAssistant>>;
let a: T;
afterEach(async () => a?.cleanup());

let clock = new Date("2026-03-02T02:00:00Z"); // Monday 10:00 in Hohhot
const now = () => clock;

async function setup() {
  clock = new Date("2026-03-02T02:00:00Z");
  a = await testAssistant({ now });
  await a.staff.add(LABOUR_CLERK);
  await a.staff.add({ username: "boss", password: "boss-password1", role: "supervisor" });
  return {
    clerk: (await a.staff.find("clerk")) as StaffMember,
    boss: (await a.staff.find("boss")) as StaffMember,
  };
}

const say = async (conversationId: string, text: string) => {
  const r = await a.engine.handleMessage({ channel: "web", conversationId, text });
  return r.replies.map((x) => x.text).join("\n");
};

/** Files a wage-arrears complaint in 赤峰市松山区, answering in the order the bot asks. */
async function fileWages(conv: string, what = "赤峰市松山区一个工地老板拖欠我们三个月工资，一共两万多") {
  await say(conv, "我要投诉");
  await say(conv, what);
  await say(conv, "是的");
  await say(conv, "不清楚");
  await say(conv, "尽快把工资发给我们");
  await say(conv, "在这里回复");
  const filed = await say(conv, "确认提交");
  return /SW-\d{4}-\d{6}/.exec(filed)?.[0] ?? "";
}

forEachStore(() => {
  describe("complaint intake", () => {
    it("takes answers in any order, reads the summary back and files with a number, department and dates", async () => {
      await setup();
      expect(await say("c", "我要投诉")).toContain("发生了什么");
      // Place and phone number arrive with the description, before they are asked for.
      const afterWhat = await say("c", "老板拖欠我三个月工资，在赤峰市松山区，电话13912345678");
      expect(afterWhat).toContain("拖欠");
      await say("c", "是的");
      expect(await say("c", "不清楚")).toContain("怎么处理");
      const consent = await say("c", "尽快发工资");
      expect(consent).toContain("139****5678");
      const summary = await say("c", "同意");
      expect(summary).toContain("赤峰市 松山区");
      expect(summary).toContain("尽快发工资");
      const filed = await say("c", "确认提交");
      expect(filed).toMatch(/已登记，编号 SW-2026-000001/);
      // 受理 is the department's formal acceptance: filing is only 登记.
      expect(filed).not.toContain("已受理");
      expect(filed).toContain("松山区人力资源和社会保障局");
      expect(filed).toMatch(/\d{4}年\d{2}月\d{2}日 前办结/);
      const c = await a.complaints.get("SW-2026-000001");
      expect(c?.phone).toBe("13912345678");
      expect(c?.departmentId).toBe("松山区/hrss-labour-inspection");
    });

    it("lets the citizen correct a field at the read-back and cancel at any time", async () => {
      await setup();
      await say("c", "我要投诉");
      await say("c", "赤峰市松山区的老板拖欠工资不给");
      await say("c", "是的");
      await say("c", "不清楚");
      await say("c", "把工资结清");
      await say("c", "在这里回复");
      expect(await say("c", "修改地点")).toContain("哪里");
      const fixed = await say("c", "不对，是通辽市科尔沁区");
      expect(fixed).toContain("通辽市 科尔沁区");
      expect(await say("c", "取消")).toContain("已取消");
      expect(await a.db.get("SELECT 1 FROM complaints")).toBeUndefined();
      expect(
        (
          await a.engine.handleMessage({
            channel: "web",
            conversationId: "c",
            text: "申请劳动仲裁需要什么材料",
          })
        ).replies[0]?.kind,
      ).toBe("answer");
    });

    it("refuses an impossible place and keeps ID numbers out of the record", async () => {
      await setup();
      await say("c", "我要投诉");
      // Spaced, with a checksum that does not add up: still an ID number, still kept out.
      const masked = await say("c", "我叫张三身份证110105 19491231 0021，村里征地补偿款一直没发");
      expect(masked).toContain("身份证号已隐去");
      expect(masked).not.toContain("19491231");
      await say("c", "是的");
      expect(await say("c", "火星市")).toContain("没有找到「火星市」");
      await say("c", "鄂尔多斯市准格尔旗");
      await say("c", "不清楚");
      await say("c", "发放补偿款");
      await say("c", "在这里回复");
      const filed = await say("c", "确认提交");
      const id = /SW-\d{4}-\d{6}/.exec(filed)?.[0] ?? "";
      const c = await a.complaints.get(id);
      expect(c?.what).not.toContain("19491231");
      expect(filed).not.toContain("19491231");
      expect(c?.departmentName).toContain("准格尔旗");
    });
  });

  describe("complaint intake reads whole answers", () => {
    it("does not take a question about the phone for consent, nor a correction for a confirmation", async () => {
      await setup();
      await say("c", "我要投诉");
      await say("c", "老板拖欠我三个月工资，在赤峰市松山区，电话13912345678");
      await say("c", "是的");
      await say("c", "不清楚");
      await say("c", "尽快发工资");
      // Neither yes nor no: a hint that answers the worry, not the same question again.
      const unclear = await say("c", "可以不留电话吗");
      expect(unclear).toContain("不同意也没关系");
      expect(unclear).not.toContain("是否同意");
      await say("c", "不同意");
      const summary = await say("c", "对了，地点写错了，是通辽市科尔沁区");
      expect(summary).toContain("通辽市 科尔沁区");
      expect(await a.db.get("SELECT 1 FROM complaints")).toBeUndefined();
      const filed = await say("c", "确认提交");
      const c = await a.complaints.get(/SW-\d{4}-\d{6}/.exec(filed)?.[0] ?? "");
      // Consent refused: the number is neither stored as contact nor left in the description.
      expect(c?.phone).toBeNull();
      expect(c?.what).not.toContain("13912345678");
    });
  });

  describe("complaint cases", () => {
    it("shows status only to the citizen who filed it", async () => {
      await setup();
      const id = await fileWages("c");
      expect(await say("c", `查询进度 ${id}`)).toContain("已派单");
      expect(await say("someone-else", `查询进度 ${id}`)).toContain("没有找到你提交的这个编号");
    });

    it("joins the same citizen's same matter instead of dispatching it twice", async () => {
      await setup();
      const id = await fileWages("c");
      const again = await fileWages("c", "松山区那个老板还是不发工资");
      expect(again).toBe(id);
      const n = await a.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM complaints");
      expect(n?.n).toBe(1);
    });

    it("links several citizens on the same matter under one lead case, and a supervisor can split it", async () => {
      const { boss } = await setup();
      const first = await fileWages("c1", "赤峰市松山区东城工地老板拖欠农民工三个月工资");
      const second = await fileWages("c2", "赤峰市松山区东城工地老板拖欠我们农民工工资三个月了");
      const other = await fileWages("c3", "赤峰市松山区一家饭店老板半年没发服务员工资");
      const b = await a.complaints.get(second);
      expect(b?.groupId).toBe(first);
      expect(b?.similarity).toBeGreaterThan(0.3);
      expect((await a.complaints.get(other))?.groupId).toBeNull();
      const view = await a.complaints.view(first, boss);
      expect(view.events.map((e) => e.type)).toContain("possible_collective");
      await a.complaints.split(second, boss);
      expect((await a.complaints.get(second))?.groupId).toBeNull();
      // The lead of a group with nobody left is no longer marked as grouped.
      expect((await a.complaints.get(first))?.groupId).toBeNull();
    });

    it("runs the department's loop: accept, reply, one extension, close, then the citizen's answer and rating", async () => {
      const { clerk, boss } = await setup();
      const id = await fileWages("c");
      expect((await a.complaints.list(clerk)).map((c) => c.id)).toEqual([id]);
      await a.complaints.accept(id, clerk);
      await a.complaints.reply(id, clerk, "已联系施工方，本周内核实");
      const transcript = await a.conversations.transcript("c");
      expect(JSON.stringify(transcript.at(-1)?.payload)).toContain("已联系施工方");
      await a.complaints.extend(id, clerk, "需要核对工资表");
      await expect(a.complaints.extend(id, clerk, "再延一次")).rejects.toThrow(/只能延期一次/);
      expect(await say("c", `查询进度 ${id}`)).toContain("已延期");
      await a.complaints.close(id, clerk, "施工方已补发全部工资");
      expect(await say("c", "已解决")).toContain("打分");
      expect(await say("c", "5 处理得很快")).toContain("谢谢");
      const closed = await a.complaints.get(id);
      expect(closed).toMatchObject({
        state: "closed",
        resolved: true,
        rating: 5,
        ratingComment: "处理得很快",
      });
      const stats = await a.complaints.stats();
      expect(stats[0]).toMatchObject({
        departmentId: "松山区/hrss-labour-inspection",
        cases: 1,
        closed: 1,
        onTimeRate: 1,
        averageRating: 5,
      });
      await expect(a.complaints.list(boss)).resolves.toHaveLength(1);
    });

    it("keeps citizen and department talking: the citizen's answers go into the case, a new question is asked about", async () => {
      const { clerk } = await setup();
      const id = await fileWages("c");
      await a.complaints.accept(id, clerk);
      const seen: unknown[] = [];
      a.live.subscribe(departmentTopic("松山区/hrss-labour-inspection"), (e) => seen.push(e.data));
      await a.complaints.reply(id, clerk, "请补充一下工地名称和包工头的姓名", true);
      expect((await a.complaints.get(id))?.state).toBe("awaiting_info");
      const told = await a.conversations.transcript("c");
      expect(JSON.stringify(told.at(-1)?.payload)).toContain("直接在这里回复即可");

      expect(await say("c", "工地是松山区阳光小区二期，包工头姓刘")).toContain(`已转给`);
      expect((await a.complaints.get(id))?.state).toBe("accepted");
      expect(seen).toContainEqual(expect.objectContaining({ complaintId: id, type: "citizen_added" }));
      const events = await a.db.all<{ type: string; payload: string }>(
        "SELECT type, payload FROM complaint_events WHERE complaint_id = ? ORDER BY id",
        [id],
      );
      expect(events.at(-1)?.type).toBe("citizen_added");
      expect(events.at(-1)?.payload).toContain("阳光小区二期");

      // A question the knowledge base answers is not swallowed into the case: the citizen is asked which it is.
      const asked = await a.engine.handleMessage({
        channel: "web",
        conversationId: "c",
        text: "劳动仲裁的时效是多久",
      });
      expect(asked.replies[0]?.buttons?.map((b) => b.label)).toEqual(["补充给承办部门", "这是新问题"]);
      const answered = await a.engine.handleMessage({
        channel: "web",
        conversationId: "c",
        text: "这是新问题",
      });
      expect(answered.replies[0]?.kind).toBe("answer");
      const after = await a.db.get<{ n: number }>(
        "SELECT COUNT(*) AS n FROM complaint_events WHERE complaint_id = ? AND type = 'citizen_added'",
        [id],
      );
      expect(after?.n).toBe(1);
    });

    it("reopens an unresolved case to the supervisors and never surveys someone who was at risk", async () => {
      const { clerk } = await setup();
      const id = await fileWages("c");
      await a.complaints.accept(id, clerk);
      await a.complaints.close(id, clerk, "已督促发放");
      expect(await say("c", "未解决")).toContain("重新提交督办");
      expect((await a.complaints.get(id))?.state).toBe("returned");

      const id2 = await fileWages("d");
      await say("d", "我真的不想活了");
      // The counselor resolves the crisis case: the conversation is back with the bot, yet no survey may follow.
      const wang = await onDutyCounselor(a);
      const [crisis] = await a.handoff.queue(wang);
      await a.handoff.claim(crisis?.id ?? "", wang);
      await a.handoff.resolve(crisis?.id ?? "", wang, "已疏导");
      expect((await a.conversations.get("d"))?.mode).toBe("bot");
      await a.complaints.accept(id2, clerk);
      await a.complaints.close(id2, clerk, "已督促发放");
      const last = (await a.conversations.transcript("d")).at(-1)?.payload as { text: string };
      expect(last.text).toContain("已办结");
      expect(last.text).not.toContain("解决了吗");
    });

    it("a department sees only its own cases; a return goes to a supervisor who re-dispatches", async () => {
      const { clerk, boss } = await setup();
      await a.staff.add({
        username: "other",
        password: "other-password",
        role: "department",
        department: "准格尔旗/hrss-labour-inspection",
      });
      const other = (await a.staff.find("other")) as StaffMember;
      const seenByOther: unknown[] = [];
      a.live.subscribe(departmentTopic("准格尔旗/hrss-labour-inspection"), (e) => seenByOther.push(e.data));
      const id = await fileWages("c");
      await a.complaints.accept(id, clerk);
      expect(seenByOther).toEqual([]);
      expect(await a.complaints.list(other)).toEqual([]);
      // Another department's complaint answers like a missing one, and the refused look is audited.
      const missing = await a.complaints.view("SW-2026-999999", other).catch((e: unknown) => e);
      const refused = await a.complaints.view(id, other).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: "not_found" });
      expect((refused as Error).message.replace(id, "X")).toBe(
        (missing as Error).message.replace("SW-2026-999999", "X"),
      );
      expect(
        await a.db.get(
          "SELECT 1 AS one FROM audit_log WHERE action = 'view_complaint_refused' AND case_id = ?",
          [id],
        ),
      ).toBeDefined();
      // Returned two weeks later: the department it goes to next gets its own days to accept it.
      clock = new Date(clock.getTime() + 14 * 86_400_000);
      await a.complaints.returnCase(id, clerk, "应由劳动保障监察大队办理");
      expect(seenByOther).toEqual([]);
      await expect(
        a.complaints.redispatch(id, clerk, "准格尔旗/hrss-labour-inspection"),
      ).rejects.toMatchObject({ code: "forbidden" });
      const moved = await a.complaints.redispatch(id, boss, "准格尔旗/hrss-labour-inspection");
      expect(moved).toMatchObject({
        state: "dispatched",
        departmentId: "准格尔旗/hrss-labour-inspection",
        returns: 1,
      });
      expect(Date.parse(moved.acceptBy)).toBeGreaterThan(clock.getTime());
      expect(Date.parse(moved.handleBy)).toBeGreaterThan(Date.parse(moved.acceptBy));
      expect((await a.complaints.list(other)).map((c) => c.id)).toEqual([id]);
    });

    it("keeps an urgent hazard urgent through acceptance, and does not let it be extended", async () => {
      const { boss } = await setup();
      await say("u", "我要投诉");
      await say("u", "赤峰市松山区一个工地的脚手架随时会塌，下面天天有人走");
      await say("u", "是的");
      await say("u", "不清楚");
      await say("u", "马上派人来处理");
      await say("u", "在这里回复");
      const id = /SW-\d{4}-\d{6}/.exec(await say("u", "确认提交"))?.[0] ?? "";
      const filed = await a.complaints.get(id);
      expect(filed?.urgent).toBe(true);
      const day = 24 * 3600_000;
      expect(Date.parse(filed?.handleBy ?? "") - Date.parse(filed?.openedAt ?? "")).toBeLessThanOrEqual(day);
      clock = new Date(clock.getTime() + 3600_000);
      const accepted = await a.complaints.accept(id, boss);
      expect(Date.parse(accepted.handleBy) - Date.parse(filed?.openedAt ?? "")).toBeLessThanOrEqual(day);
      await expect(a.complaints.extend(id, boss, "人手不够")).rejects.toThrow(/不能延期/);
    });

    it("escalates a case nobody accepted within the 告知 limit", async () => {
      await setup();
      const id = await fileWages("c");
      const c = await a.complaints.get(id);
      clock = new Date(Date.parse(c?.acceptBy ?? "") + 1000);
      expect((await a.complaints.sweep()).escalated).toBe(1);
    });

    it("reminds the department before the deadline and escalates to supervisors when it passes", async () => {
      const { clerk } = await setup();
      const id = await fileWages("c");
      const c = await a.complaints.accept(id, clerk);
      clock = new Date(Date.parse(c?.handleBy ?? "") - 3600_000);
      expect(await a.complaints.sweep()).toEqual({ reminded: 1, escalated: 0 });
      expect(await a.complaints.sweep()).toEqual({ reminded: 0, escalated: 0 });
      clock = new Date(Date.parse(c?.handleBy ?? "") + 1000);
      expect(await a.complaints.sweep()).toEqual({ reminded: 0, escalated: 1 });
      const { boss } = { boss: (await a.staff.find("boss")) as StaffMember };
      expect((await a.complaints.list(boss, { overdue: true })).map((x) => x.id)).toEqual([id]);
    });
  });

  describe("a 诉求 recognised in a letter", () => {
    const letter =
      "尊敬的领导您好，我是赤峰市松山区的一名农民工，去年在一个小区工地干了八个月的活，包工头到现在还欠我们十几个人的工资没发，" +
      "我们找了好几次都说没钱，年底了家里等着用钱，希望有关部门尽快帮我们把工钱要回来。";

    it("offers to register a letter, and fills the intake from it on yes", async () => {
      await setup();
      const r = await a.engine.handleMessage({ channel: "web", conversationId: "l", text: letter });
      const offer = r.replies[0];
      expect(offer?.kind).toBe("complaint");
      expect(offer?.text).toContain("要帮你登记为诉求吗");
      expect(offer?.text).toContain("松山区");
      expect(offer?.buttons?.map((b) => b.label)).toEqual(["登记诉求", "不用登记"]);
      const next = await say("l", "登记诉求");
      // The matter and the place are already known: the intake does not ask for them again.
      expect(next).not.toContain("请先说说发生了什么");
      expect(next).not.toContain("事情发生在哪里");
      const draft = (await a.conversations.get("l"))?.state.complaint;
      expect(draft?.what).toContain("包工头");
      expect(draft?.county).toBe("松山区");
    });

    it("lets the citizen decline, and answers a short question that mentions 投诉 instead of offering", async () => {
      await setup();
      await say("d", letter);
      expect(await say("d", "不用登记")).toContain("不登记");
      expect((await a.conversations.get("d"))?.state.complaint).toBeUndefined();
      const r = await a.engine.handleMessage({
        channel: "web",
        conversationId: "q",
        text: "拖欠工资找哪个部门投诉",
      });
      expect(r.replies[0]?.kind).toBe("answer");
    });

    it("puts a letter that hides a crisis on the crisis path, not the intake", async () => {
      await setup();
      const r = await a.engine.handleMessage({
        channel: "web",
        conversationId: "x",
        text: `${letter}要是再要不回来，我就从工地楼顶跳下去。`,
      });
      expect(r.replies[0]?.kind).toBe("crisis");
      expect(r.replies.some((x) => x.kind === "complaint")).toBe(false);
    });
  });

  describe("intake wording a new user noticed", () => {
    it("asks for the 旗县区 when only the 盟市 is named, takes 留电话 as the choice, reads back in Chinese punctuation", async () => {
      await setup();
      await say("w", "我要投诉");
      await say("w", "呼和浩特市有家饭店卖过期的牛奶,我买了两箱,喝了拉肚子");
      const county = await a.engine.handleMessage({ channel: "web", conversationId: "w", text: "是的" });
      expect(county.replies.at(-1)?.text).toContain("呼和浩特市的哪个旗县区");
      expect(county.replies.at(-1)?.buttons?.map((b) => b.label)).toContain("不清楚");
      expect(await say("w", "赛罕区")).toContain("苏木乡镇");
      await say("w", "不清楚");
      await say("w", "要求饭店退钱并赔偿");
      const phone = await say("w", "留电话");
      expect(phone).not.toContain("处理结果怎么告诉你");
      expect(phone).toContain("手机号码");
      await say("w", "13912345678");
      const summary = await say("w", "同意");
      expect(summary).toContain("呼和浩特市 赛罕区");
      expect(summary).toContain("过期的牛奶，我买了两箱，喝了拉肚子");
      const filed = await a.engine.handleMessage({ channel: "web", conversationId: "w", text: "确认提交" });
      const id = /SW-\d{4}-\d{6}/.exec(filed.replies[0]?.text ?? "")?.[0];
      expect(filed.replies[0]?.buttons).toEqual([{ label: "查询进度", payload: `查询进度 ${id}` }]);
    });

    it("shows a case on another device to the number plus the phone's last four digits, and stops guessing", async () => {
      await setup();
      await say("w", "我要投诉");
      await say("w", "呼和浩特市赛罕区有家饭店卖过期的牛奶，我买了两箱，喝了拉肚子");
      await say("w", "是的");
      await say("w", "不清楚");
      await say("w", "要求饭店退钱并赔偿");
      await say("w", "留电话");
      await say("w", "13912345678");
      await say("w", "同意");
      const filed = await say("w", "确认提交");
      const id = /SW-\d{4}-\d{6}/.exec(filed)?.[0] ?? "";
      expect(id).not.toBe("");

      // Another browser: the number alone is not enough, the right four digits open it, wrong ones do not.
      expect(await say("phone-2", `查询进度 ${id}`)).toContain("手机号后四位");
      expect(await say("phone-2", `查询进度 ${id} 5678`)).toContain(`${id}：`);
      expect(await say("phone-3", `查询进度 ${id} 1234`)).toContain("对不上");
      // Walking through the digits from one conversation stops after five wrong tries, even for the right ones.
      for (const tail of ["0000", "1111", "2222", "3333", "4444"])
        await say("guess", `查询进度 ${id} ${tail}`);
      expect(await say("guess", `查询进度 ${id} 5678`)).toContain("尝试次数太多");
    });
  });

  describe("offers that must not outlive their moment", () => {
    const upset =
      "我心里特别难受，感觉很崩溃。赤峰市松山区一个工地的老板拖欠我们三个月工资，家里等着用钱，找了好多次都不给，希望有关部门尽快帮我们要回来。";

    it("keeps the counselor offer beside the registration offer for an upset letter", async () => {
      await setup();
      const r = await a.engine.handleMessage({ channel: "web", conversationId: "u", text: upset });
      const labels = r.replies[0]?.buttons?.map((b) => b.label) ?? [];
      expect(labels).toContain("登记诉求");
      expect(labels).toContain("联系心理咨询师");
      expect(r.replies[0]?.text).toContain("12356");
    });

    it("offers to register a letter that tells of being hit by the other side, with 110 beside it", async () => {
      await setup();
      const r = await a.engine.handleMessage({
        channel: "web",
        conversationId: "hit",
        text: "赤峰市松山区一家饭馆的老板经常打我耳光，还扣了我三个月工资，希望劳动监察部门帮我把工资要回来。",
      });
      const labels = r.replies[0]?.buttons?.map((b) => b.label) ?? [];
      expect(labels).toContain("登记诉求");
      expect(labels).toContain("联系心理咨询师");
      expect(r.replies[0]?.text).toContain("110");
      expect(r.replies[0]?.text).toContain("拖欠");
    });

    it("drops a pending registration offer when the person turns out to be at risk", async () => {
      await setup();
      await say("x", upset);
      const crisis = await a.engine.handleMessage({
        channel: "web",
        conversationId: "x",
        text: "我不想活了",
      });
      expect(crisis.replies[0]?.kind).toBe("crisis");
      expect((await a.conversations.get("x"))?.state.offeredComplaint).toBeUndefined();
    });
  });

  describe("a long story told to ask what the law allows", () => {
    const story =
      "我们家在赤峰农村，我公公去年病故了，没有遗嘱，留下五间瓦房和十几亩承包地。我老公兄弟四个，大伯子说我们在外打工多年就不该分，还把房本锁起来了。请问这种情况我们还能分到遗产吗？";

    it("is answered or referred first, with registering as a 诉求 one button away", async () => {
      await setup();
      const r = await a.engine.handleMessage({ channel: "web", conversationId: "story", text: story });
      const first = r.replies[0];
      expect(["answer", "referral"]).toContain(first?.kind);
      expect(first?.text).toContain("继承");
      expect(first?.buttons?.map((b) => b.label)).toContain("登记诉求");
      // 好的 after an answer is no yes to registering: nothing starts behind the citizen's back.
      await say("story", "好的");
      expect((await a.conversations.get("story"))?.state.complaint).toBeUndefined();
    });

    it("starts the intake from the story when the button is pressed", async () => {
      await setup();
      await say("story2", story);
      await say("story2", "登记诉求");
      const draft = (await a.conversations.get("story2"))?.state.complaint;
      expect(draft?.what).toContain("房本锁起来");
      expect(draft?.league).toBe("赤峰市");
    });

    it("answers a story that tells of being hit with the answer, 110 and a counselor beside it", async () => {
      await setup();
      const r = await a.engine.handleMessage({
        channel: "web",
        conversationId: "hit-story",
        text: "您好，我是包头市昆都仑区的，2015年结的婚，老公这两年沉迷网赌，欠了不少钱，喝了酒还动手打我，我报过警。现在我想离婚，他一直不同意，请问起诉离婚要准备啥？孩子能判给我吗？",
      });
      const first = r.replies[0];
      expect(["answer", "referral"]).toContain(first?.kind);
      expect(first?.text).toContain("110");
      const labels = first?.buttons?.map((b) => b.label) ?? [];
      expect(labels).toContain("登记诉求");
      expect(labels).toContain("联系心理咨询师");
    });

    it("is read as a consultation when it asks who pays, whether suing has a chance, 还能…不 or which of two steps", async () => {
      await setup();
      for (const [id, text] of [
        [
          "who-pays",
          "我家在通辽农村，邻居家的十几头牛去年冬天跑进我家玉米地，啃了三亩多，他说牛是散养的不归他管，村里也不表态。请问这种损失由谁赔？要走什么程序？",
        ],
        [
          "chance",
          "前夫再婚以后，后妈对我儿子不好，孩子上初中了，自己打电话说想跟我过。我在包头上班，有房子，收入稳定。请问我现在起诉变更抚养权有希望吗？孩子的意见法院听不听？",
        ],
        // Asked the northern way, or as a choice between two steps.
        [
          "ask-bu",
          "我在鄂尔多斯一个煤矿干了两年井下，矿上一直没给交社保，现在我辞职了，老板说社保是我自己不要的，当时签过字。这个社保还能让他给补交不？",
        ],
        [
          "either",
          "老板拖了我三个月工资一共一万多，我去劳动监察反映过一次，他们说让我去申请仲裁，可我听人说直接去法院告更快，我该先申请仲裁还是直接起诉？",
        ],
      ] as const) {
        const r = await a.engine.handleMessage({ channel: "web", conversationId: id, text });
        const first = r.replies[0];
        expect(["answer", "referral"], `${id}: ${first?.text}`).toContain(first?.kind);
        expect(first?.buttons?.map((b) => b.label)).toContain("登记诉求");
      }
    });

    it("still offers registration first for a letter asking the government to act", async () => {
      await setup();
      const r = await a.engine.handleMessage({
        channel: "web",
        conversationId: "letter",
        text: "尊敬的领导：我们小区的路灯坏了三个多月，晚上一片漆黑，老人孩子出门很不安全，找物业也不管，希望有关部门尽快派人修好。",
      });
      expect(r.replies[0]?.kind).toBe("complaint");
    });
  });

  describe("erasing a citizen's complaint", () => {
    it("leaves nothing of the description, not even the merge signature", async () => {
      await setup();
      const id = await fileWages("e", "赤峰市松山区张建国的工地拖欠我们三个月工资，一共两万多");
      const { eraseConversation } = await import("../store/erase.js");
      await eraseConversation(a.db, "e");
      const row = await a.db.get<Record<string, unknown>>("SELECT * FROM complaints WHERE id = ?", [id]);
      const text = JSON.stringify(row);
      for (const piece of ["张建", "建国", "拖欠", "工资"]) expect(text).not.toContain(piece);
    });
  });
});
