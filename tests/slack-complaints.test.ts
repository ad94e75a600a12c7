import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildServer } from "../bot/server.js";
import {
  createSlackChannel,
  linkSlackUser,
  parseDepartmentChannels,
  type SlackChannel,
} from "../bot/slack/index.js";
import {
  FAKE_BOT_USER,
  FAKE_TEAM,
  type FakeSlack,
  interactionBody,
  type SlackCall,
  signedHeaders,
  startFakeSlack,
} from "./fixtures/fake-slack.js";
import { testAssistant } from "./helpers.js";
import { forEachStore } from "./stores.js";

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const COUNSELORS = "C0COUNSEL";
const LABOUR = "C0LABOUR";
const LAND = "C0LAND";
const LABOUR_DEPT = "松山区/hrss-labour-inspection";
const LAND_DEPT = "准格尔旗/natural-resources";
const CLERK = "U0CLERK";
const OTHER_CLERK = "U0OTHER";
const STRANGER = "U0STRANGER";
const PHONE = "13912345678";

type A = Awaited<ReturnType<typeof testAssistant>>;
let a: A;
let fake: FakeSlack;
let slack: SlackChannel;
let server: FastifyInstance;

forEachStore(() => {
  beforeEach(async () => {
    a = await testAssistant();
    await a.staff.add({
      username: "clerk",
      password: "clerk-password",
      role: "department",
      displayName: "张科员",
      department: LABOUR_DEPT,
    });
    await a.staff.add({
      username: "other",
      password: "other-password",
      role: "department",
      displayName: "李科员",
      department: LAND_DEPT,
    });
    await linkSlackUser(a.db, CLERK, "clerk");
    await linkSlackUser(a.db, OTHER_CLERK, "other");
    fake = await startFakeSlack();
    slack = createSlackChannel(a, {
      token: "xoxb-test-token",
      signingSecret: SECRET,
      apiUrl: fake.url,
      counselorChannel: COUNSELORS,
      departmentChannels: parseDepartmentChannels(`${LABOUR_DEPT}=${LABOUR}，${LAND_DEPT}=${LAND}`),
      postIntervalMs: 20,
    });
    await slack.start();
    server = await buildServer(a, { plugins: [slack.plugin] });
  });

  afterEach(async () => {
    await slack?.stop();
    await server?.close();
    await fake?.close();
    await a?.cleanup();
  });

  // ---------------------------------------------------------------------------------------------------------------

  const say = async (conversationId: string, text: string) =>
    (await a.engine.handleMessage({ channel: "web", conversationId, text })).replies
      .map((r) => r.text)
      .join("\n");

  const send = (body: string, headers: Record<string, string>) =>
    server.inject({ method: "POST", url: "/slack/events", headers, payload: body });

  const postEvent = (event: Record<string, unknown>, eventId: string, retryNum?: number) => {
    const body = JSON.stringify({
      token: "legacy",
      team_id: FAKE_TEAM,
      api_app_id: "A0SHOUWANG",
      type: "event_callback",
      event_id: eventId,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ team_id: FAKE_TEAM, user_id: FAKE_BOT_USER, is_bot: true }],
      event,
    });
    return send(body, signedHeaders(SECRET, body, { retryNum }));
  };

  const interact = (payload: Record<string, unknown>) => {
    const body = interactionBody({
      token: "legacy",
      api_app_id: "A0SHOUWANG",
      team: { id: FAKE_TEAM, domain: "sw" },
      ...payload,
    });
    return send(body, signedHeaders(SECRET, body, { contentType: "application/x-www-form-urlencoded" }));
  };

  const clickButton = (user: string, actionId: string, id: string, cardTs: string, channel = LABOUR) =>
    interact({
      type: "block_actions",
      user: { id: user, username: user.toLowerCase(), team_id: FAKE_TEAM },
      channel: { id: channel, name: "dept" },
      message: { type: "message", ts: cardTs, text: "card" },
      container: { type: "message", message_ts: cardTs, channel_id: channel },
      trigger_id: `trigger-${Math.random()}`,
      actions: [
        { type: "button", action_id: actionId, block_id: "complaint_actions", value: id, action_ts: "1" },
      ],
    });

  const submitView = (
    view: { callback_id: string; private_metadata: string },
    values: unknown,
    user: string,
  ) =>
    interact({
      type: "view_submission",
      user: { id: user, name: user.toLowerCase(), team_id: FAKE_TEAM },
      trigger_id: "t",
      view: {
        id: "V1",
        type: "modal",
        team_id: FAKE_TEAM,
        callback_id: view.callback_id,
        private_metadata: view.private_metadata,
        state: { values },
        hash: "h",
      },
    });

  const threadMessage = (user: string, text: string, ts: string, threadTs: string, channel = LABOUR) => ({
    type: "message",
    channel,
    channel_type: "channel",
    user,
    text,
    ts,
    thread_ts: threadTs,
  });

  const blocksText = (call: SlackCall | undefined) => JSON.stringify(call?.args.blocks ?? []);
  const cardsIn = (channel: string) =>
    fake
      .callsOf("chat.postMessage")
      .filter((c) => c.args.channel === channel && c.args.blocks !== undefined && !c.args.thread_ts);
  const updatesOf = (ts: string) => fake.callsOf("chat.update").filter((c) => c.args.ts === ts);
  const ephemeralsTo = (user: string) =>
    fake.callsOf("chat.postEphemeral").filter((c) => c.args.user === user);
  const waitUntil = async (check: () => Promise<boolean> | boolean, timeoutMs = 5000) => {
    const until = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > until) throw new Error("condition not met in time");
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const stateOf = async (id: string) => (await a.complaints.get(id))?.state;

  /** The wage-arrears complaint of the brief, filed on the web chat. */
  async function fileWages(conv: string, what = "赤峰市松山区一个工地老板拖欠我们三个月工资") {
    await say(conv, "我要投诉");
    await say(conv, what);
    await say(conv, "是的");
    await say(conv, "不清楚");
    await say(conv, "尽快把工资发给我们");
    // With a phone number in the description the bot asks for consent to call instead of how to reply.
    await say(conv, what.includes(PHONE) ? "同意" : "在这里回复");
    const filed = await say(conv, "确认提交");
    const id = /SW-\d{4}-\d{6}/.exec(filed)?.[0] ?? "";
    expect(id).not.toBe("");
    await fake.waitFor(() => cardsIn(LABOUR).some((c) => blocksText(c).includes(id)));
    await waitUntil(async () => (await slack.store.complaintCards(id)).length === 1);
    const card = (await slack.store.complaintCards(id))[0];
    return { id, ts: card?.ts ?? "" };
  }

  // ---------------------------------------------------------------------------------------------------------------

  describe("complaints in department Slack channels", () => {
    it("posts a filed complaint to its department's channel and works it there: accept, reply, close", async () => {
      const { id, ts } = await fileWages("w1");
      const card = cardsIn(LABOUR).find((c) => blocksText(c).includes(id));
      const blocks = blocksText(card);
      expect(blocks).toContain("拖欠我们三个月工资");
      expect(blocks).toContain("尽快把工资发给我们");
      expect(blocks).toContain("赤峰市");
      expect(blocks).toContain("松山区");
      expect(blocks).toContain("受理期限");
      expect(blocks).toContain("办结期限");
      expect(blocks).toContain("已派单");
      // 办结 appears once the complaint is accepted (the core refuses to close a dispatched complaint).
      for (const label of ["受理", "退单"]) expect(blocks).toContain(`"text":"${label}"`);
      expect(blocks).not.toContain('"text":"办结"');
      expect(String(card?.args.text)).not.toContain("三个月"); // no citizen text in the notification line
      // Nothing in the counselors' channel or the other department's channel.
      expect(cardsIn(COUNSELORS)).toHaveLength(0);
      expect(cardsIn(LAND)).toHaveLength(0);

      // A reply before 受理 is not sent: the clerk is told to accept first.
      await postEvent(threadMessage(CLERK, "我们先看看", "1700000900.000001", ts), "EvC000");
      await fake.waitFor(() => ephemeralsTo(CLERK).some((c) => String(c.args.text).includes("请先受理")));
      expect(await stateOf(id)).toBe("dispatched");

      // 受理 by the linked clerk: accepted as that staff member, the card updated in place.
      expect((await clickButton(CLERK, "shouwang_complaint_accept", id, ts)).statusCode).toBe(200);
      await waitUntil(async () => (await stateOf(id)) === "accepted");
      const accepted = await a.db.get<{ actor: string }>(
        "SELECT actor FROM complaint_events WHERE complaint_id = ? AND type = 'accepted'",
        [id],
      );
      expect(accepted?.actor).toBe("clerk");
      await fake.waitFor(() => updatesOf(ts).some((c) => blocksText(c).includes("承办部门办理中")));
      await slack.idle();
      const afterAccept = blocksText(updatesOf(ts).at(-1));
      expect(afterAccept).not.toContain('"text":"受理"');
      expect(afterAccept).toContain('"text":"办结"');
      await fake.waitFor(() => ephemeralsTo(CLERK).some((c) => String(c.args.text).includes("你已受理")));

      // A thread reply reaches the citizen's transcript, once, however often Slack delivers it.
      const reply = threadMessage(CLERK, "您好，我们已联系用工单位，三日内答复。", "1700000900.000002", ts);
      expect((await postEvent(reply, "EvC001")).statusCode).toBe(200);
      await waitUntil(async () =>
        (await a.conversations.transcript("w1")).some(
          (e) => e.actor === "department:clerk" && JSON.stringify(e.payload).includes("三日内答复"),
        ),
      );
      await postEvent(reply, "EvC001", 1);
      await postEvent({ ...reply, subtype: "thread_broadcast" }, "EvC002");
      await new Promise((r) => setTimeout(r, 200));
      await slack.idle();
      const replies = (await a.conversations.transcript("w1")).filter((e) => e.actor === "department:clerk");
      expect(replies).toHaveLength(1);
      // A `//` message is colleagues talking: not sent.
      await postEvent(threadMessage(CLERK, "// 内部讨论", "1700000900.000003", ts), "EvC003");
      await new Promise((r) => setTimeout(r, 100));
      expect(
        (await a.conversations.transcript("w1")).filter((e) => e.actor === "department:clerk"),
      ).toHaveLength(1);

      // 办结 opens a modal asking for the result; an empty result is refused in the modal.
      await clickButton(CLERK, "shouwang_complaint_close", id, ts);
      await fake.waitFor(() => fake.callsOf("views.open").length === 1);
      const view = fake.callsOf("views.open")[0]?.args.view as {
        callback_id: string;
        private_metadata: string;
      };
      const empty = await submitView(
        view,
        { close_result: { text: { type: "plain_text_input", value: " " } } },
        CLERK,
      );
      expect(empty.json()).toMatchObject({
        response_action: "errors",
        errors: { close_result: "请填写办理结果。" },
      });
      expect(await stateOf(id)).toBe("accepted");
      const done = await submitView(
        view,
        { close_result: { text: { type: "plain_text_input", value: "用工单位已补发全部工资" } } },
        CLERK,
      );
      expect(done.statusCode).toBe(200);
      await waitUntil(async () => (await stateOf(id)) === "closed");
      expect((await a.complaints.get(id))?.result).toBe("用工单位已补发全部工资");
      await waitUntil(async () =>
        (await a.conversations.transcript("w1")).some((e) =>
          JSON.stringify(e.payload).includes("用工单位已补发全部工资"),
        ),
      );
      await fake.waitFor(() => updatesOf(ts).some((c) => blocksText(c).includes("已办结")));
      await slack.idle();
      const last = blocksText(updatesOf(ts).at(-1));
      expect(last).not.toContain('"type":"actions"');
      expect(last).toContain("用工单位已补发全部工资");
      expect(cardsIn(LABOUR)).toHaveLength(1);
    });

    it("refuses a clerk of another department and an unlinked user, and never shows the phone number", async () => {
      const { id, ts } = await fileWages("w2", `赤峰市松山区一个工地老板拖欠我们三个月工资，电话${PHONE}`);
      expect((await a.complaints.get(id))?.phone).toBe(PHONE);
      expect(blocksText(cardsIn(LABOUR).at(-1))).toContain("电话联系");
      expect(JSON.stringify(fake.calls)).not.toContain(PHONE);
      expect(JSON.stringify(fake.calls)).not.toContain("5678");

      await clickButton(OTHER_CLERK, "shouwang_complaint_accept", id, ts);
      await fake.waitFor(() =>
        ephemeralsTo(OTHER_CLERK).some((c) => String(c.args.text).includes("不是你所在部门")),
      );
      await clickButton(OTHER_CLERK, "shouwang_complaint_return", id, ts);
      await fake.waitFor(() => ephemeralsTo(OTHER_CLERK).length === 2);
      await clickButton(STRANGER, "shouwang_complaint_accept", id, ts);
      await fake.waitFor(() => ephemeralsTo(STRANGER).some((c) => String(c.args.text).includes("尚未关联")));
      await postEvent(threadMessage(OTHER_CLERK, "我来回复", "1700000950.000001", ts), "EvC100");
      await fake.waitFor(() => ephemeralsTo(OTHER_CLERK).length === 3);
      await slack.idle();
      expect(fake.callsOf("views.open")).toHaveLength(0);
      expect(await stateOf(id)).toBe("dispatched");
      expect((await a.conversations.transcript("w2")).some((e) => e.actor.startsWith("department:"))).toBe(
        false,
      );
    });

    it("returns a case through the modal, and a re-dispatch moves the card to the new department's channel", async () => {
      await a.staff.add({ username: "boss", password: "boss-password1", role: "supervisor" });
      const boss = await a.staff.find("boss");
      const { id, ts } = await fileWages("w3");
      await clickButton(CLERK, "shouwang_complaint_return", id, ts);
      await fake.waitFor(() => fake.callsOf("views.open").length === 1);
      const view = fake.callsOf("views.open")[0]?.args.view as {
        callback_id: string;
        private_metadata: string;
      };
      await submitView(
        view,
        { return_reason: { text: { type: "plain_text_input", value: "不属于本部门" } } },
        CLERK,
      );
      await waitUntil(async () => (await stateOf(id)) === "returned");
      await fake.waitFor(() => updatesOf(ts).some((c) => blocksText(c).includes("退回改派中")));

      if (!boss) throw new Error("no boss");
      await a.complaints.redispatch(id, boss, LAND_DEPT);
      await fake.waitFor(() => cardsIn(LAND).some((c) => blocksText(c).includes(id)));
      await fake.waitFor(() => updatesOf(ts).some((c) => blocksText(c).includes("已改派至")));
      await slack.idle();
      expect(blocksText(updatesOf(ts).at(-1))).not.toContain('"type":"actions"');
      // The old department's clerk can no longer act; the new one can.
      await clickButton(CLERK, "shouwang_complaint_accept", id, ts);
      await fake.waitFor(() =>
        ephemeralsTo(CLERK).some((c) => String(c.args.text).includes("不是你所在部门")),
      );
      const landTs = (await slack.store.complaintCards(id)).find((c) => c.channel === LAND)?.ts ?? "";
      await clickButton(OTHER_CLERK, "shouwang_complaint_accept", id, landTs, LAND);
      await waitUntil(async () => (await stateOf(id)) === "accepted");
    });

    it("parses SLACK_DEPARTMENT_CHANNELS and refuses malformed entries", () => {
      expect(
        parseDepartmentChannels(" 松山区/hrss-labour-inspection=C0123 ,准格尔旗/natural-resources=G0456\n"),
      ).toEqual({
        "松山区/hrss-labour-inspection": "C0123",
        "准格尔旗/natural-resources": "G0456",
      });
      expect(parseDepartmentChannels(undefined)).toEqual({});
      expect(parseDepartmentChannels("  ")).toEqual({});
      expect(() => parseDepartmentChannels("松山区/hrss-labour-inspection")).toThrow(/should look like/);
      expect(() => parseDepartmentChannels("a=#general")).toThrow(/not a Slack channel id/);
      expect(() => parseDepartmentChannels("a=C0123,a=C0456")).toThrow(/twice/);
    });
  });
});
