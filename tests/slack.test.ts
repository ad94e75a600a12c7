import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildServer } from "../bot/server.js";
import { runSlackCommand } from "../bot/slack/cli.js";
import { createSlackChannel, linkSlackUser, type SlackChannel } from "../bot/slack/index.js";
import { escapeSlack, slackToPlain } from "../bot/slack/texts.js";
import { conversationTopic } from "../core/live-hub.js";
import type { StaffMember } from "../handoff/roster.js";
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
const CHANNEL = "C0COUNSEL";
const WANG = "U0WANG";
const LI = "U0LI";
const STRANGER = "U0STRANGER";

type A = Awaited<ReturnType<typeof testAssistant>>;
let a: A;
let fake: FakeSlack;
let slack: SlackChannel;
let server: FastifyInstance;
let staff: { wang: StaffMember; li: StaffMember };

forEachStore(() => {
  beforeEach(async () => {
    a = await testAssistant();
    const shifts = ["mon-sun 00:00-24:00"];
    await a.staff.add({
      username: "wang",
      password: "wang-password-1",
      role: "counselor",
      displayName: "王老师",
      shifts,
    });
    await a.staff.add({
      username: "li",
      password: "li-password-12",
      role: "counselor",
      displayName: "李老师",
      shifts,
    });
    staff = {
      wang: (await a.staff.find("wang")) as StaffMember,
      li: (await a.staff.find("li")) as StaffMember,
    };
    await linkSlackUser(a.db, WANG, "wang");
    await linkSlackUser(a.db, LI, "li");
    fake = await startFakeSlack();
    slack = createSlackChannel(a, {
      token: "xoxb-test-token",
      signingSecret: SECRET,
      apiUrl: fake.url,
      counselorChannel: CHANNEL,
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

  const say = (conversationId: string, text: string, clientKey?: string) =>
    a.engine.handleMessage({ channel: "web", conversationId, text, ...(clientKey ? { clientKey } : {}) });

  const send = (body: string, headers: Record<string, string>) =>
    server.inject({ method: "POST", url: "/slack/events", headers, payload: body });

  const postEvent = (
    event: Record<string, unknown>,
    eventId: string,
    options: { retryNum?: number; secret?: string } = {},
  ) => {
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
    return send(body, signedHeaders(options.secret ?? SECRET, body, { retryNum: options.retryNum }));
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

  const clickButton = (user: string, actionId: string, caseId: string, cardTs: string) =>
    interact({
      type: "block_actions",
      user: { id: user, username: user.toLowerCase(), team_id: FAKE_TEAM },
      channel: { id: CHANNEL, name: "counselors" },
      message: { type: "message", ts: cardTs, text: "card" },
      container: { type: "message", message_ts: cardTs, channel_id: CHANNEL },
      trigger_id: `trigger-${Math.random()}`,
      actions: [
        { type: "button", action_id: actionId, block_id: "case_actions", value: caseId, action_ts: "1" },
      ],
    });

  const threadMessage = (user: string, text: string, ts: string, threadTs: string) => ({
    type: "message",
    channel: CHANNEL,
    channel_type: "channel",
    user,
    text,
    ts,
    thread_ts: threadTs,
  });

  const blocksText = (call: SlackCall | undefined) => JSON.stringify(call?.args.blocks ?? []);
  const cards = () =>
    fake.callsOf("chat.postMessage").filter((c) => c.args.blocks !== undefined && !c.args.thread_ts);
  const threadPosts = (ts: string) => fake.callsOf("chat.postMessage").filter((c) => c.args.thread_ts === ts);
  const ephemeralsTo = (user: string) =>
    fake.callsOf("chat.postEphemeral").filter((c) => c.args.user === user);
  const waitUntil = async (check: () => Promise<boolean> | boolean, timeoutMs = 5000) => {
    const until = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > until) throw new Error("condition not met in time");
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  /** A crisis message from a citizen on the web chat, and the card it produces in the counselors' channel. */
  async function crisis(conversationId: string, text = "我真的不想活了，活着没意思") {
    const before = cards().length;
    await say(conversationId, text);
    await fake.waitFor(() => cards().length > before);
    const card = cards()[before] as SlackCall;
    const caseId = JSON.stringify(card.args.blocks).match(/RG-\d{4}-\d{6}/)?.[0] as string;
    await waitUntil(async () => (await slack.store.card(caseId)) !== undefined);
    const ts = (await slack.store.card(caseId))?.ts as string;
    return { card, caseId, ts };
  }

  // ---------------------------------------------------------------------------------------------------------------

  describe("Slack channel for staff", () => {
    it("takes a crisis from card to claim to thread reply to the citizen and back, exactly once each", async () => {
      const { card, caseId, ts } = await crisis("c1");
      expect(card.args.channel).toBe(CHANNEL);
      const blocks = blocksText(card);
      expect(blocks).toContain("高危");
      expect(blocks).toContain("我真的不想活了");
      expect(blocks).toContain("已等待");
      for (const label of ["认领", "转交", "结案"]) expect(blocks).toContain(`"text":"${label}"`);
      // The on-duty counselors linked to Slack are mentioned so they are notified.
      expect(String(card.args.text)).toContain(`<@${WANG}>`);
      // The notification line carries no citizen text (it lands on lock screens).
      expect(String(card.args.text)).not.toContain("不想活");

      // 认领 from Slack: the same claim as the console's, by the mapped staff account; the card updates.
      const claim = await clickButton(WANG, "shouwang_case_claim", caseId, ts);
      expect(claim.statusCode).toBe(200);
      await waitUntil(async () => (await a.handoff.get(caseId))?.holderId === staff.wang.id);
      expect((await a.handoff.get(caseId))?.state).toBe("claimed");
      await fake.waitFor(() =>
        fake.callsOf("chat.update").some((c) => c.args.ts === ts && blocksText(c).includes("已认领")),
      );
      await fake.waitFor(() => ephemeralsTo(WANG).some((c) => String(c.args.text).includes("你已认领")));
      const updated = fake
        .callsOf("chat.update")
        .filter((c) => c.args.ts === ts)
        .at(-1);
      expect(blocksText(updated)).not.toContain('"text":"认领"'); // no claim button on a held case
      expect(blocksText(updated)).toContain(`<@${WANG}>`);

      // The holder replies in the card's thread: the citizen receives it on the web chat.
      const live: { type: string; data: unknown }[] = [];
      a.live.subscribe(conversationTopic("c1"), (e) => live.push(e));
      const reply = threadMessage(
        WANG,
        "你好，我是王老师。我在这里陪着你，你现在安全吗？",
        "1700000100.000001",
        ts,
      );
      const r = await postEvent(reply, "Ev0001");
      expect(r.statusCode).toBe(200);
      await waitUntil(async () =>
        (await a.conversations.transcript("c1")).some(
          (e) => e.actor === "staff:wang" && (e.payload as { text: string }).text.includes("我在这里陪着你"),
        ),
      );
      // Pushed to the citizen's open page once the reply is committed, which may land just after the transcript
      // shows it.
      await waitUntil(() =>
        live.some((e) => e.type === "reply" && (e.data as { from?: string }).from === "staff"),
      );
      expect((await a.handoff.get(caseId))?.state).toBe("active");

      // The citizen answers: the message appears in the thread.
      await say("c1", "我在家里，刚才很难受");
      await fake.waitFor(() =>
        threadPosts(ts).some((c) => String(c.args.text).includes("我在家里，刚才很难受")),
      );

      // Slack retries the reply event (X-Slack-Retry-Num), and delivers the same message again under another
      // event id; a second live "conversation" event comes for the same turn. Nothing happens twice.
      expect((await postEvent(reply, "Ev0001", { retryNum: 1 })).statusCode).toBe(200);
      expect((await postEvent(reply, "Ev0001", { retryNum: 2 })).statusCode).toBe(200);
      expect((await postEvent({ ...reply, subtype: "thread_broadcast" }, "Ev0002")).statusCode).toBe(200);
      a.live.publish("staff", "conversation", { conversationId: "c1" });
      await new Promise((r) => setTimeout(r, 200));
      await slack.idle();
      const staffReplies = (await a.conversations.transcript("c1")).filter((e) => e.actor === "staff:wang");
      expect(staffReplies).toHaveLength(1);
      expect(live.filter((e) => e.type === "reply")).toHaveLength(1);
      expect(threadPosts(ts).filter((c) => String(c.args.text).includes("我在家里"))).toHaveLength(1);
      // The staff member's own message is not copied back into the thread by the bot, nor the first message
      // (the card shows it).
      expect(threadPosts(ts).filter((c) => String(c.args.text).includes("我在这里陪着你"))).toHaveLength(0);
      expect(threadPosts(ts).filter((c) => String(c.args.text).includes("我真的不想活了"))).toHaveLength(0);

      // A reply written in the console shows in the thread, marked as such.
      await a.handoff.reply(caseId, staff.wang, "我从控制台再说一句：可以拨打 12356");
      await fake.waitFor(() =>
        threadPosts(ts).some(
          (c) => /控制台.*12356/.test(String(c.args.text)) && String(c.args.text).includes("王老师"),
        ),
      );

      // `//` makes an internal note (not sent); a colleague who does not hold the case cannot reply.
      const sentBefore = (await a.conversations.transcript("c1")).length;
      await postEvent(threadMessage(WANG, "// 当事人情绪稍稳定", "1700000100.000002", ts), "Ev0003");
      // The claim's own ephemeral also mentions 内部备注, so wait for the note's confirmation itself.
      await fake.waitFor(() =>
        ephemeralsTo(WANG).some((c) => String(c.args.text).includes("已记为内部备注")),
      );
      await postEvent(threadMessage(LI, "我也来说两句", "1700000100.000003", ts), "Ev0004");
      await fake.waitFor(() =>
        ephemeralsTo(LI).some((c) => c.args.thread_ts === ts && String(c.args.text).includes("只有正在处理")),
      );
      await slack.idle();
      expect(await a.conversations.transcript("c1")).toHaveLength(sentBefore);
      const notes = await a.db.all<{ payload: string }>(
        "SELECT payload FROM case_events WHERE case_id = ? AND type = 'note'",
        [caseId],
      );
      expect(notes.map((n) => JSON.parse(n.payload).text)).toEqual(["当事人情绪稍稳定"]);
    });

    it("mirrors a conversation that joined the case into the same thread, marked as a second conversation", async () => {
      await say("tab-1", "我真的不想活了，活着没意思", "client-k");
      await fake.waitFor(() => cards().length > 0);
      const caseId = JSON.stringify(cards()[0]?.args.blocks).match(/RG-\d{4}-\d{6}/)?.[0] as string;
      await waitUntil(async () => (await slack.store.card(caseId)) !== undefined);
      const ts = (await slack.store.card(caseId))?.ts as string;
      // The same person opens a second tab: it joins the case, and no second card is posted.
      await say("tab-2", "还是不想活了", "client-k");
      await say("tab-2", "我现在在楼顶", "client-k");
      await fake.waitFor(() =>
        threadPosts(ts).some(
          (c) => String(c.args.text).includes("第2段对话") && String(c.args.text).includes("楼顶"),
        ),
      );
      await say("tab-1", "手机快没电了", "client-k");
      await fake.waitFor(() =>
        threadPosts(ts).some((c) => /当事人\*：手机快没电了/.test(String(c.args.text))),
      );
      await slack.idle();
      expect(cards()).toHaveLength(1);
    });

    it("refuses a bad or stale signature with 401 and does nothing", async () => {
      const { caseId, ts } = await crisis("c2");
      await slack.idle();
      const callsBefore = fake.calls.length;
      const reply = threadMessage(WANG, "这条不应该送达", "1700000200.000001", ts);
      expect((await postEvent(reply, "Ev0100", { secret: "not-the-secret" })).statusCode).toBe(401);

      const body = interactionBody({
        type: "block_actions",
        user: { id: WANG, username: "wang" },
        team: { id: FAKE_TEAM },
        channel: { id: CHANNEL },
        message: { ts, type: "message" },
        actions: [{ type: "button", action_id: "shouwang_case_claim", value: caseId }],
        trigger_id: "t",
      });
      const stale = signedHeaders(SECRET, body, {
        contentType: "application/x-www-form-urlencoded",
        timestamp: Math.floor(Date.now() / 1000) - 6 * 60,
      });
      expect((await send(body, stale)).statusCode).toBe(401);
      const unsigned = await server.inject({
        method: "POST",
        url: "/slack/events",
        headers: { "content-type": "application/json" },
        payload: "{}",
      });
      expect(unsigned.statusCode).toBe(401);

      await new Promise((r) => setTimeout(r, 100));
      await slack.idle();
      expect(fake.calls.length).toBe(callsBefore);
      expect((await a.handoff.get(caseId))?.state).toBe("waiting");
      expect((await a.conversations.transcript("c2")).some((e) => e.actor.startsWith("staff:"))).toBe(false);
    });

    it("lets exactly one of a Slack claim and a console claim win, and tells the Slack user when it lost", async () => {
      for (const conversationId of ["r1", "r2", "r3"]) {
        const { caseId, ts } = await crisis(conversationId);
        const told = ephemeralsTo(LI).length;
        const [slackClaim, consoleClaim] = await Promise.allSettled([
          clickButton(LI, "shouwang_case_claim", caseId, ts),
          a.handoff.claim(caseId, staff.wang),
        ]);
        expect(slackClaim.status).toBe("fulfilled");
        await slack.idle();
        await waitUntil(async () => (await a.handoff.get(caseId))?.state === "claimed");
        const c = await a.handoff.get(caseId);
        if (consoleClaim.status === "fulfilled") {
          expect(c?.holderId).toBe(staff.wang.id);
          await fake.waitFor(() =>
            ephemeralsTo(LI)
              .slice(told)
              .some((e) => e.args.channel === CHANNEL && String(e.args.text).includes("已被其他同事认领")),
          );
        } else {
          expect(c?.holderId).toBe(staff.li.id);
          expect(String(consoleClaim.reason)).toMatch(/已被其他同事认领/);
        }
        const events = await a.db.all<{ type: string }>(
          "SELECT type FROM case_events WHERE case_id = ? AND type = 'claim'",
          [caseId],
        );
        expect(events).toHaveLength(1);
      }

      // Deterministically: a Slack claim on a case the console already claimed.
      const { caseId, ts } = await crisis("r4");
      const told = ephemeralsTo(LI).length;
      await a.handoff.claim(caseId, staff.wang);
      await clickButton(LI, "shouwang_case_claim", caseId, ts);
      await fake.waitFor(() =>
        ephemeralsTo(LI)
          .slice(told)
          .some((e) => e.args.channel === CHANNEL && String(e.args.text).includes("已被其他同事认领")),
      );
      expect((await a.handoff.get(caseId))?.holderId).toBe(staff.wang.id);
    });

    it("refuses a Slack user who is not linked to a staff account", async () => {
      const { caseId, ts } = await crisis("u1");
      expect((await clickButton(STRANGER, "shouwang_case_claim", caseId, ts)).statusCode).toBe(200);
      await fake.waitFor(() => ephemeralsTo(STRANGER).some((c) => String(c.args.text).includes("尚未关联")));
      await postEvent(threadMessage(STRANGER, "我来回复", "1700000300.000001", ts), "Ev0300");
      await fake.waitFor(() => ephemeralsTo(STRANGER).length === 2);
      await slack.idle();
      expect((await a.handoff.get(caseId))?.state).toBe("waiting");
      expect((await a.conversations.transcript("u1")).some((e) => e.actor.startsWith("staff:"))).toBe(false);
    });

    it("transfers through a modal and resolves an imminent case only with the follow-up", async () => {
      const { caseId, ts } = await crisis("t1", "我已经站在楼顶了，马上就跳");
      expect((await a.handoff.get(caseId))?.risk).toBe("imminent");
      await clickButton(WANG, "shouwang_case_claim", caseId, ts);
      await waitUntil(async () => (await a.handoff.get(caseId))?.holderId === staff.wang.id);

      // 转交 opens a modal listing colleagues; submitting it transfers the case and mentions the colleague.
      await clickButton(WANG, "shouwang_case_transfer", caseId, ts);
      await fake.waitFor(() => fake.callsOf("views.open").length === 1);
      const transferView = fake.callsOf("views.open")[0]?.args.view as {
        callback_id: string;
        private_metadata: string;
        blocks: unknown[];
      };
      expect(JSON.stringify(transferView.blocks)).toContain("李老师");
      expect(JSON.stringify(transferView.blocks)).not.toContain("王老师");
      const submit = (
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
      const t = await submit(
        transferView,
        { transfer_to: { staff: { type: "static_select", selected_option: { value: "li" } } } },
        WANG,
      );
      expect(t.statusCode).toBe(200);
      await waitUntil(async () => (await a.handoff.get(caseId))?.state === "transferred");
      await fake.waitFor(() => threadPosts(ts).some((c) => String(c.args.text).includes(`<@${LI}>`)));

      // The colleague claims it, then opens 结案: the follow-up is required for an imminent case.
      await clickButton(LI, "shouwang_case_claim", caseId, ts);
      await waitUntil(async () => (await a.handoff.get(caseId))?.holderId === staff.li.id);
      await clickButton(LI, "shouwang_case_resolve", caseId, ts);
      await fake.waitFor(() => fake.callsOf("views.open").length === 2);
      const resolveView = fake.callsOf("views.open")[1]?.args.view as {
        callback_id: string;
        private_metadata: string;
        blocks: { block_id?: string; optional?: boolean }[];
      };
      expect(resolveView.blocks.find((b) => b.block_id === "follow_up")?.optional).toBe(false);
      const outcome = {
        outcome: { outcome: { type: "static_select", selected_option: { value: "已联系110/120" } } },
      };
      const missing = await submit(
        resolveView,
        { ...outcome, follow_up: { text: { type: "plain_text_input", value: " " } } },
        LI,
      );
      expect(missing.statusCode).toBe(200);
      expect(missing.json()).toMatchObject({
        response_action: "errors",
        errors: { follow_up: expect.stringContaining("随访确认") },
      });
      expect((await a.handoff.get(caseId))?.state).toBe("claimed");

      const done = await submit(
        resolveView,
        { ...outcome, follow_up: { text: { type: "plain_text_input", value: "120 已到达现场，确认送医" } } },
        LI,
      );
      expect(done.statusCode).toBe(200);
      await waitUntil(async () => (await a.handoff.get(caseId))?.state === "resolved");
      expect((await a.handoff.get(caseId))?.followUp).toBe("120 已到达现场，确认送医");
      await fake.waitFor(() =>
        fake.callsOf("chat.update").some((c) => c.args.ts === ts && blocksText(c).includes("已结案")),
      );
      const last = fake
        .callsOf("chat.update")
        .filter((c) => c.args.ts === ts)
        .at(-1);
      expect(blocksText(last)).not.toContain('"type":"actions"');
    });

    it("answers Slack's URL verification and keeps posts to one channel about a second apart by default", async () => {
      const body = JSON.stringify({ type: "url_verification", challenge: "abc123", token: "legacy" });
      const r = await send(body, signedHeaders(SECRET, body));
      expect(r.json()).toEqual({ challenge: "abc123" });

      const paced = createSlackChannel(a, {
        token: "xoxb-test-token",
        signingSecret: SECRET,
        apiUrl: fake.url,
        counselorChannel: "C0PACED",
      });
      const before = fake.calls.length;
      // Three posts queued at once to one channel leave about a second apart.
      const card = { caseId: "x", conversationId: "x", channel: "C0PACED", ts: "1.0", mirroredEventId: 0 };
      await Promise.all([
        paced.board.thread(card, "一"),
        paced.board.thread(card, "二"),
        paced.board.thread(card, "三"),
      ]);
      const posts = fake.calls.slice(before).filter((c) => c.method === "chat.postMessage");
      expect(posts.map((p) => p.args.text)).toEqual(["一", "二", "三"]);
      expect((posts[2]?.at ?? 0) - (posts[0]?.at ?? 0)).toBeGreaterThanOrEqual(1900);
    });

    it("posts cards for cases opened while Slack was off, and catches their threads up, once", async () => {
      await slack.stop();
      await say("off1", "我不想活了");
      await say("off1", "没有人能帮我");
      await new Promise((r) => setTimeout(r, 100));
      expect(cards()).toHaveLength(0);
      await slack.start();
      await fake.waitFor(() => cards().length === 1);
      await waitUntil(async () => (await slack.store.latestCardOf("off1")) !== undefined);
      const ts = (await slack.store.latestCardOf("off1"))?.ts as string;
      await fake.waitFor(() => threadPosts(ts).some((c) => String(c.args.text).includes("没有人能帮我")));
      // A second start (or restart) posts nothing again.
      await slack.stop();
      await slack.start();
      await new Promise((r) => setTimeout(r, 100));
      await slack.idle();
      expect(cards()).toHaveLength(1);
      expect(threadPosts(ts)).toHaveLength(1);
    });

    it("links Slack users to staff accounts from the CLI and refuses unknown accounts", async () => {
      const out: string[] = [];
      const sink = () =>
        new Writable({
          write(chunk, _enc, done) {
            out.push(String(chunk));
            done();
          },
        });
      const io = { stdout: sink(), stderr: sink() };
      const dbPath = a.target;
      expect(await runSlackCommand(["link", "U0NEW", "li"], dbPath, io)).toBe(0);
      expect(await runSlackCommand(["link", "U0NEW2", "nobody"], dbPath, io)).toBe(1);
      expect(await runSlackCommand(["link", "not-an-id", "li"], dbPath, io)).toBe(1);
      expect(await runSlackCommand(["links"], dbPath, io)).toBe(0);
      expect(out.join("")).toContain("U0NEW\tli");
      expect(await slack.store.usernameOf("U0NEW")).toBe("li");
      expect(await runSlackCommand(["unlink", "U0NEW"], dbPath, io)).toBe(0);
      expect(await slack.store.usernameOf("U0NEW")).toBeUndefined();
    });

    it("turns Slack markup into plain text for the citizen, and citizen text into inert Slack text", () => {
      expect(
        slackToPlain("你好 <@U0LI|li> 请看 <https://12356.cn|心理援助> &lt;注意&gt; &amp; <!channel>"),
      ).toBe("你好 @li 请看 心理援助（https://12356.cn） <注意> &");
      expect(slackToPlain("<tel:12356> <mailto:a@b.cn|a@b.cn>")).toBe("12356 a@b.cn");
      expect(escapeSlack("<!channel> <@U1> a&b")).toBe("&lt;!channel&gt; &lt;@U1&gt; a&amp;b");
    });
  });
});
