import type { FastifyInstance } from "fastify";
import type { Update } from "grammy/types";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_MESSAGE_CHARS } from "../bot/engine.js";
import { MAIN_BUTTONS, messages, telegramMessages } from "../bot/messages.js";
import { buildServer } from "../bot/server.js";
import { createTelegramChannel, type TelegramChannel, type TelegramConfig } from "../bot/telegram/channel.js";
import { CALLBACK_DATA_BYTES, encodePayload, markupFor, splitText } from "../bot/telegram/keyboard.js";
import { commandText } from "../bot/telegram/slash-commands.js";
import { FAKE_BOT, type FakeTelegram, startFakeTelegram, updates } from "./fixtures/fake-telegram.js";
import { onDutyCounselor, testAssistant } from "./helpers.js";
import { forEachStore } from "./stores.js";

type A = Awaited<ReturnType<typeof testAssistant>>;
const SECRET = "test_secret-Token_123";
/** The throttler stays in the path, without Telegram's 1 message/s per chat, so the tests run quickly. */
const FAST: TelegramConfig["throttle"] = { global: {}, group: {}, out: { maxConcurrent: 1 } };

let fake: FakeTelegram | undefined;
let a: A | undefined;
const channels: TelegramChannel[] = [];
let app: FastifyInstance | undefined;

forEachStore(() => {
  afterEach(async () => {
    await app?.close();
    app = undefined;
    for (const c of channels.splice(0)) await c.stop(2000);
    await a?.cleanup();
    a = undefined;
    await fake?.close();
    fake = undefined;
  });

  async function setup(mode: "polling" | "webhook", extra: Partial<TelegramConfig> = {}, reuse?: A) {
    fake ??= await startFakeTelegram();
    a = reuse ?? (await testAssistant());
    const channel = createTelegramChannel(a, {
      token: fake.token,
      apiRoot: fake.url,
      mode,
      webhookSecret: SECRET,
      pollTimeoutSeconds: 1,
      throttle: FAST,
      ...extra,
    });
    channels.push(channel);
    return { fake, a, channel };
  }

  async function webhookServer(channel: TelegramChannel, assistant: A) {
    if (!channel.webhookPlugin) throw new Error("no webhook plugin");
    app = await buildServer(assistant, { plugins: [channel.webhookPlugin] });
    return app;
  }

  const post = (server: FastifyInstance, update: unknown, secret: string | null = SECRET) =>
    server.inject({
      method: "POST",
      url: "/telegram/webhook",
      headers: secret === null ? {} : { "x-telegram-bot-api-secret-token": secret },
      payload: update as object,
    });

  const storedUpdates = async (assistant: A) =>
    (await assistant.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM telegram_updates"))?.n ?? 0;

  /** Sends one update through the webhook and waits until it is fully processed. */
  async function say(server: FastifyInstance, channel: TelegramChannel, update: Update) {
    const res = await post(server, update);
    expect(res.statusCode).toBe(200);
    await channel.idle();
  }

  describe("telegram channel", () => {
    it("runs a citizen conversation: start → keyboard → a policy question gets a cited answer", async () => {
      const { fake, a, channel } = await setup("webhook");
      const server = await webhookServer(channel, a);
      await channel.start();
      const chat = 5001;

      await say(server, channel, updates.text(chat, "/start@ShouwangTestBot"));
      const [welcome] = fake.sentTo(chat);
      expect(welcome?.text).toBe(messages.welcome);
      // The common paths are a persistent keyboard: a tap sends the label as an ordinary message.
      expect(welcome?.replyMarkup?.keyboard?.flat().map((b) => b.text)).toEqual(
        MAIN_BUTTONS.map((b) => b.label),
      );

      await say(server, channel, updates.text(chat, "咨询政策法规"));
      expect(fake.sentTo(chat)[1]?.text).toBe(messages.policyPrompt);

      await say(server, channel, updates.text(chat, "征地补偿标准怎么定"));
      const answer = fake.sentTo(chat)[2]?.text ?? "";
      expect(answer).toMatch(/【法律依据】\n《[^》]+》/);
      expect(answer).toContain("12348");

      // An engine reply with its own buttons becomes an inline keyboard; pressing one is like typing its payload.
      await say(server, channel, updates.text(chat, "心理支持"));
      const support = fake.sentTo(chat)[3];
      expect(support?.text).toBe(messages.supportPrompt);
      const decline = support?.replyMarkup?.inline_keyboard?.flat().find((b) => b.text === "暂时不用");
      expect(decline?.callback_data).toBe("p:暂时不用");
      await say(server, channel, updates.press(chat, decline?.callback_data ?? ""));
      expect(fake.sentTo(chat)[4]?.text).toBe(messages.distressDeclined);
      expect(fake.calls.filter((c) => c.method === "answerCallbackQuery")).toHaveLength(1);

      // The conversation is tg:<chat_id>, the citizen tg:<from.id>; the transcript holds both sides.
      const conv = await a.conversations.get(`tg:${chat}`);
      expect(conv?.channel).toBe("telegram");
      expect(conv?.externalUser).toBe(`tg:${chat}`);
      const transcript = await a.conversations.transcript(`tg:${chat}`);
      expect(transcript.filter((e) => e.type === "inbound")).toHaveLength(5);
    });

    it("answers a crisis with 12356/110/120, opens a case, and carries the counselor's reply to Telegram", async () => {
      const { fake, a, channel } = await setup("polling");
      const wang = await onDutyCounselor(a);
      await channel.start();
      const chat = 5002;

      fake.queueUpdates(updates.text(chat, "我真的撑不下去了，不想活了"));
      const [crisis] = await fake.waitFor(() => fake.sentTo(chat).length > 0 && fake.sentTo(chat));
      expect(crisis?.text).toContain("12356");
      expect(crisis?.text).toMatch(/110/);
      expect(crisis?.text).toMatch(/120/);

      const queue = await a.handoff.queue(wang);
      expect(queue.map((c) => c.conversationId)).toEqual([`tg:${chat}`]);
      const caseId = queue[0]?.id as string;
      expect(queue[0]?.channel).toBe("telegram");

      await a.handoff.claim(caseId, wang);
      await a.handoff.reply(caseId, wang, "你好，我是王老师，我在这里陪你。你现在安全吗？");
      const staff = await fake.waitFor(() => fake.sentTo(chat).find((s) => s.text.includes("我是王老师")));
      // Signed with the counselor's name and role, after a note that they have joined.
      expect(staff.text).toBe("【wang（心理咨询师）】你好，我是王老师，我在这里陪你。你现在安全吗？");
      expect(fake.sentTo(chat).some((s) => s.text.startsWith("wang（心理咨询师）已接入"))).toBe(true);

      // While the counselor holds the conversation the bot stays silent.
      const before = fake.sentTo(chat).length;
      fake.queueUpdates(updates.text(chat, "征地补偿标准怎么定"));
      await fake.waitFor(() => fake.unconfirmed() === 0);
      await channel.idle();
      expect(fake.sentTo(chat)).toHaveLength(before);
    });

    it("answers a redelivered update once, through the webhook and through polling", async () => {
      const { fake, a, channel } = await setup("webhook");
      const server = await webhookServer(channel, a);
      await channel.start();

      const u = updates.text(6001, "征地补偿标准怎么定");
      // Telegram retries a webhook it thinks failed; two copies may even arrive at once.
      const results = await Promise.all([post(server, u), post(server, u), post(server, u)]);
      expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200]);
      await channel.idle();
      expect((await post(server, u)).statusCode).toBe(200);
      await channel.idle();
      expect(fake.sentTo(6001)).toHaveLength(1);
      expect(await storedUpdates(a)).toBe(1);

      // Polling: the same update_id handed out again (as after a restart that never confirmed the offset). One
      // process per database: the webhook channel stops first.
      await channel.stop();
      const polling = createTelegramChannel(a, {
        token: fake.token,
        apiRoot: fake.url,
        mode: "polling",
        pollTimeoutSeconds: 1,
        throttle: FAST,
        botInfo: FAKE_BOT,
      });
      channels.push(polling);
      await polling.start();
      const p = updates.text(6002, "拖欠工资怎么办");
      fake.queueUpdates(p);
      await fake.waitFor(() => fake.sentTo(6002).length === 1);
      fake.queueUpdates(p, p);
      await fake.waitFor(() => fake.unconfirmed() === 0);
      await polling.idle();
      await new Promise((r) => setTimeout(r, 200));
      expect(fake.sentTo(6002)).toHaveLength(1);
      // A copy of a crisis message must not open a second case either.
      const crisis = updates.text(6003, "我不想活了");
      fake.queueUpdates(crisis, crisis);
      await fake.waitFor(() => fake.sentTo(6003).length >= 1);
      await fake.waitFor(() => fake.unconfirmed() === 0);
      await polling.idle();
      const cases = await a.db.all("SELECT id FROM cases WHERE conversation_id = ?", ["tg:6003"]);
      expect(cases).toHaveLength(1);
      const sent = fake.sentTo(6003).length;
      fake.queueUpdates(crisis);
      await fake.waitFor(() => fake.unconfirmed() === 0);
      await polling.idle();
      expect(fake.sentTo(6003)).toHaveLength(sent);
    });

    it("retries a 429 after retry_after, with Telegram's own rate limits in place", async () => {
      const { fake, a, channel } = await setup("webhook", { throttle: true });
      const server = await webhookServer(channel, a);
      await channel.start();
      fake.failNext("sendMessage", 1, 1);
      const started = Date.now();
      await say(server, channel, updates.text(7001, "/help"));
      expect(fake.rejected.get("sendMessage")).toBe(1);
      expect(fake.sentTo(7001).map((s) => s.text)).toEqual([messages.help]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    });

    it("refuses a webhook without the right secret and stores nothing", async () => {
      const { a, channel, fake } = await setup("webhook");
      const server = await webhookServer(channel, a);
      await channel.start();
      const u = updates.text(8001, "我不想活了");
      expect((await post(server, u, "wrong-secret")).statusCode).toBe(401);
      expect((await post(server, u, null)).statusCode).toBe(401);
      expect((await post(server, u, `${SECRET}x`)).statusCode).toBe(401);
      await channel.idle();
      expect(await storedUpdates(a)).toBe(0);
      expect(await a.conversations.get("tg:8001")).toBeUndefined();
      expect(fake.sent).toHaveLength(0);
      // A body that is not an update is refused after the secret check, also without storing anything.
      expect((await post(server, { hello: 1 })).statusCode).toBe(400);
      expect(await storedUpdates(a)).toBe(0);
    });

    it("answers photos, voice, stickers and edits politely and notes them in the conversation", async () => {
      const { fake, a, channel } = await setup("webhook");
      const server = await webhookServer(channel, a);
      await channel.start();
      const chat = 9001;

      await say(server, channel, updates.photo(chat));
      await say(server, channel, updates.voice(chat));
      await say(server, channel, updates.sticker(chat));
      await say(server, channel, updates.edited(chat, "征地补偿怎么算"));
      const labels = telegramMessages.mediaLabels;
      expect(fake.sentTo(chat).map((s) => s.text)).toEqual([
        telegramMessages.mediaNotSupported(labels.photo as string),
        telegramMessages.mediaNotSupported(labels.voice as string),
        telegramMessages.mediaNotSupported(labels.sticker as string),
        telegramMessages.edited,
      ]);
      const inbound = (await a.conversations.transcript(`tg:${chat}`))
        .filter((e) => e.type === "inbound")
        .map((e) => (e.payload as { text: string }).text);
      expect(inbound).toEqual(["[图片]", "[语音]", "[贴纸]", "[修改了消息] 征地补偿怎么算"]);

      // A caption is text: it goes through the engine (crisis first), and nothing else is said in a crisis turn.
      await say(server, channel, updates.photo(9002, "我不想活了"));
      const crisis = fake.sentTo(9002);
      expect(crisis[0]?.text).toContain("12356");
      expect(crisis.some((s) => s.text === telegramMessages.captionRead(labels.photo as string))).toBe(false);
      // So is an edit that turns a message into a cry for help.
      await say(server, channel, updates.edited(9003, "我已经站在楼顶了，马上就跳"));
      expect(fake.sentTo(9003)[0]?.text).toMatch(/120/);

      // With a case open, a photo is visible to staff: it joins the case as a citizen message.
      await say(server, channel, updates.photo(9002));
      const caseRow = await a.db.get<{ id: string }>("SELECT id FROM cases WHERE conversation_id = ?", [
        "tg:9002",
      ]);
      const joined = await a.db.all(
        "SELECT * FROM case_events WHERE case_id = ? AND type = 'citizen_message'",
        [caseRow?.id ?? ""],
      );
      expect(joined).toHaveLength(1);

      // A redelivered photo is not answered twice.
      const photo = updates.photo(9004);
      await say(server, channel, photo);
      await say(server, channel, photo);
      expect(fake.sentTo(9004)).toHaveLength(1);

      // A location is kept for staff with its coordinates.
      await say(server, channel, updates.location(9005, 40.8175, 111.7652));
      expect(fake.sentTo(9005)[0]?.text).toBe(telegramMessages.locationReceived);
      const loc = (await a.conversations.transcript("tg:9005")).find((e) => e.type === "inbound");
      expect((loc?.payload as { text: string } | undefined)?.text).toContain("40.8175");
    });

    it("points group chats to a private chat and stores no conversation", async () => {
      const { fake, a, channel } = await setup("webhook");
      const server = await webhookServer(channel, a);
      await channel.start();
      await say(server, channel, updates.group(-100123, "/start@ShouwangTestBot"));
      await say(server, channel, updates.group(-100123, "大家好"));
      expect(fake.sentTo(-100123).map((s) => s.text)).toEqual([telegramMessages.privateOnly]);
      expect(await a.conversations.get("tg:-100123")).toBeUndefined();
    });

    it("finishes on restart, exactly once, an update stored but not processed", async () => {
      fake = await startFakeTelegram();
      const first = await setup("webhook", { botInfo: FAKE_BOT });
      // The process "dies" after storing: the channel is never started, so nothing is processed.
      const stored = updates.text(9101, "征地补偿标准怎么定");
      expect(await first.channel.accept([stored])).toBe(1);
      // Another died after the engine stored its turn, before sending.
      const turnStored = updates.text(9102, "拖欠工资怎么办");
      await first.channel.accept([turnStored]);
      await first.a.engine.handleMessage({
        channel: "telegram",
        conversationId: "tg:9102",
        messageId: String(turnStored.update_id),
        text: "拖欠工资怎么办",
      });
      // A third died after sending, before marking the update processed.
      const sentNotMarked = updates.text(9103, "/help");
      await first.channel.accept([sentNotMarked]);
      await first.a.engine.handleMessage({
        channel: "telegram",
        conversationId: "tg:9103",
        messageId: String(sentNotMarked.update_id),
        text: "帮助",
      });
      await first.channel.store.markSent(sentNotMarked.update_id, 0, 1, new Date().toISOString());
      expect(fake.sent).toHaveLength(0);

      // Restart: a new channel on the same database.
      const second = await setup("webhook", { botInfo: FAKE_BOT }, first.a);
      await second.channel.start();
      await fake.waitFor(() => fake?.sentTo(9101).length === 1 && fake.sentTo(9102).length === 1);
      await second.channel.idle();
      expect(fake.sentTo(9101)[0]?.text).toMatch(/【法律依据】/);
      expect(fake.sentTo(9103)).toHaveLength(0);
      expect((await first.a.db.all("SELECT * FROM telegram_updates WHERE processed_at IS NULL")).length).toBe(
        0,
      );

      // And once more: nothing is sent again.
      await second.channel.stop();
      const third = await setup("webhook", { botInfo: FAKE_BOT }, first.a);
      await third.channel.start();
      await third.channel.idle();
      await new Promise((r) => setTimeout(r, 100));
      expect(fake.sent).toHaveLength(2);
    });

    it("sends on restart a counselor's reply stored just before a crash, and only once", async () => {
      fake = await startFakeTelegram();
      const first = await setup("webhook", { botInfo: FAKE_BOT });
      await first.channel.start();
      await say(
        await webhookServer(first.channel, first.a),
        first.channel,
        updates.text(9401, "征地补偿标准怎么定"),
      );
      await app?.close();
      app = undefined;
      await first.channel.stop();
      // The handoff committed a staff reply, then the process died before Outbound.deliver reached Telegram.
      await first.a.db.transaction((tx) =>
        first.a.conversations.append(
          tx,
          "tg:9401",
          [
            {
              type: "reply",
              actor: "staff:wang",
              payload: { kind: "staff", text: "我是王老师，刚才断线了。" },
            },
          ],
          new Date().toISOString(),
        ),
      );
      const second = await setup("webhook", { botInfo: FAKE_BOT }, first.a);
      await second.channel.start();
      await fake.waitFor(() => fake?.sentTo(9401).some((m) => m.text.includes("王老师")));
      await second.channel.stop();
      const third = await setup("webhook", { botInfo: FAKE_BOT }, first.a);
      await third.channel.start();
      await new Promise((r) => setTimeout(r, 200));
      expect(fake.sentTo(9401).map((m) => m.text)).toEqual([
        expect.stringMatching(/【法律依据】/),
        `${telegramMessages.staffPrefix}我是王老师，刚才断线了。`,
      ]);
      // Delivering the same stored event again (a retried Outbound.deliver) sends nothing more.
      const eventId = (await first.a.db.get<{ id: number }>("SELECT MAX(id) AS id FROM events"))?.id ?? 0;
      await first.a.outbound.deliver(
        { id: "tg:9401", channel: "telegram" },
        { kind: "staff", text: "我是王老师，刚才断线了。", eventId, from: "staff" },
      );
      await new Promise((r) => setTimeout(r, 100));
      expect(fake.sentTo(9401)).toHaveLength(2);
    });

    it("keeps a bounded backlog in memory, reads the rest back from the database, in order per chat", async () => {
      const { fake, a, channel } = await setup("webhook", { maxQueued: 4 });
      const server = await webhookServer(channel, a);
      await channel.start();
      const script: [string, string][] = [
        ["开始", messages.welcome],
        ["帮助", messages.help],
        ["咨询政策法规", messages.policyPrompt],
        ["查询进度", messages.statusNone],
      ];
      const chats = [9501, 9502, 9503, 9504, 9505];
      for (const [text] of script) {
        const res = await Promise.all(chats.map((chat) => post(server, updates.text(chat, text))));
        expect(res.every((r) => r.statusCode === 200)).toBe(true);
      }
      await fake.waitFor(() => fake?.sent.length === chats.length * script.length, 15_000);
      await channel.idle();
      for (const chat of chats)
        expect(fake.sentTo(chat).map((m) => m.text)).toEqual(script.map(([, reply]) => reply));
    });

    it("keeps button payloads within Telegram's 64-byte callback_data", async () => {
      const long = "我家的草场是二轮承包时分的，合同上写的三十年，到期以后会不会被收回";
      const enc = encodePayload(long);
      expect(Buffer.byteLength(enc.data)).toBeLessThanOrEqual(CALLBACK_DATA_BYTES);
      expect(enc.stored?.payload).toBe(long);
      expect(encodePayload(long).data).toBe(enc.data);
      const { markup, stored } = markupFor([{ label: long, payload: long }]);
      expect(stored).toHaveLength(1);
      expect(JSON.stringify(markup)).toContain(enc.data);

      const { fake, a, channel } = await setup("webhook");
      const server = await webhookServer(channel, a);
      await channel.start();
      await channel.store.savePayloads(stored, new Date().toISOString());
      await say(server, channel, updates.press(9201, enc.data));
      const inbound = (await a.conversations.transcript("tg:9201")).find((e) => e.type === "inbound");
      expect((inbound?.payload as { text: string } | undefined)?.text).toBe(long);
      // A forged or expired button gets a notice on the button, and no turn.
      await say(server, channel, updates.press(9202, "h:unknownkey"));
      expect(
        fake.calls.some(
          (c) => c.method === "answerCallbackQuery" && c.payload.text === telegramMessages.buttonExpired,
        ),
      ).toBe(true);
      expect(await a.conversations.get("tg:9202")).toBeUndefined();
    });

    it("refuses a bad configuration: webhook without a usable secret, a token Telegram rejects", async () => {
      fake = await startFakeTelegram();
      a = await testAssistant();
      const base = { token: fake.token, apiRoot: fake.url };
      expect(() => createTelegramChannel(a as A, { ...base, mode: "webhook" })).toThrow(
        /TELEGRAM_WEBHOOK_SECRET/,
      );
      expect(() =>
        createTelegramChannel(a as A, { ...base, mode: "webhook", webhookSecret: "has space" }),
      ).toThrow();
      const wrong = createTelegramChannel(a, { ...base, token: "999:wrong", mode: "polling" });
      channels.push(wrong);
      await expect(wrong.start()).rejects.toThrow(/getMe failed: 404/);
    });

    it("maps slash commands and splits over-long replies", () => {
      expect(commandText("/start")).toBe("开始");
      expect(commandText("/start@ShouwangTestBot")).toBe("开始");
      expect(commandText("/start deeplink123")).toBe("开始");
      expect(commandText("/human")).toBe("转人工");
      expect(commandText("/unknown")).toBe("/unknown");
      expect(commandText("征地补偿")).toBe("征地补偿");
      const parts = splitText(`${"甲".repeat(3000)}\n${"乙".repeat(3000)}`);
      expect(parts.map((p) => p.length)).toEqual([3000, 3000]);
    });

    it("reads a crisis buried in an over-long message instead of only asking to shorten it", async () => {
      const { fake, a, channel } = await setup("webhook");
      const server = await webhookServer(channel, a);
      await channel.start();
      // Telegram itself stops at 4096 characters; a forged or future update may carry more than the engine takes.
      const filler = "今天去旗里办事，排了很久的队。".repeat(Math.ceil((MAX_MESSAGE_CHARS + 100) / 15));
      await say(server, channel, updates.text(9301, `${filler}我不想活了`));
      expect(fake.sentTo(9301)[0]?.text).toContain("12356");
      await say(server, channel, updates.text(9302, filler));
      expect(fake.sentTo(9302)[0]?.text).toBe(messages.tooLong(MAX_MESSAGE_CHARS));
    });
  });
});
