import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { messages, wechatMessages } from "../bot/messages.js";
import { buildServer } from "../bot/server.js";
import { createWechatChannel, type WechatChannel, type WechatConfig } from "../bot/wechat/channel.js";
import { createWechatCrypto, wechatSignature } from "../bot/wechat/crypto.js";
import { WINDOW_MS } from "../bot/wechat/ids.js";
import { cdata, parseWechatXml, XmlError } from "../bot/wechat/xml.js";
import { type FakeWechat, startFakeWechat } from "./fixtures/fake-wechat.js";
import { LABOUR_CLERK, onDutyCounselor, testAssistant, WAGE_COMPLAINT_ANSWERS } from "./helpers.js";
import { forEachStore } from "./stores.js";

type A = Awaited<ReturnType<typeof testAssistant>>;
const TOKEN = "shouwangTest2026";
const ACCOUNT = "gh_0123456789ab";
const OPENID = "oAbCdEfGhIjKlMnOpQrStUvWxYz1";

let fake: FakeWechat | undefined;
let a: A | undefined;
let channel: WechatChannel | undefined;
let app: FastifyInstance | undefined;
/** One clock for the engine, the handoff module and the channel; tests move it. */
let clock = Date.parse("2026-12-07T02:00:00Z");
const now = () => new Date(clock);

/**
 * Something else holds the citizen's conversation (a slow disk, a long turn) from before the next message arrives:
 * on PostgreSQL taking it is a round trip, so this waits until it is really held.
 */
async function holdConversation(a: {
  conversations: { exclusive<T>(key: string, work: () => Promise<T>): Promise<T> };
}) {
  let release: () => void = () => undefined;
  let holding: () => void = () => undefined;
  const taken = new Promise<void>((r) => (holding = r));
  const held = a.conversations.exclusive(
    `wx:${OPENID}`,
    () =>
      new Promise<void>((r) => {
        release = r;
        holding();
      }),
  );
  await taken;
  return { release: () => release(), held };
}

forEachStore(() => {
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await channel?.stop(2000);
    channel = undefined;
    await a?.cleanup();
    a = undefined;
    await fake?.close();
    fake = undefined;
  });

  async function setup(extra: Partial<WechatConfig> = {}) {
    clock = Date.parse("2026-12-07T02:00:00Z");
    fake = await startFakeWechat();
    a = await testAssistant({ now });
    channel = createWechatChannel(a, {
      token: TOKEN,
      appId: fake.appId,
      appSecret: fake.appSecret,
      apiRoot: fake.url,
      retryDelaysMs: [10, 10],
      now,
      ...extra,
    });
    app = await buildServer(a, { plugins: [channel.plugin] });
    return { fake, a, channel, app };
  }

  let nonceSeq = 0;
  function signedQuery(at = clock, extra: Record<string, string> = {}) {
    const timestamp = String(Math.floor(at / 1000));
    const nonce = String(100000 + nonceSeq++);
    return { timestamp, nonce, signature: wechatSignature(TOKEN, timestamp, nonce), ...extra };
  }

  const qs = (q: Record<string, string>) => new URLSearchParams(q).toString();

  function messageXml(fields: Record<string, string | number>): string {
    const all = {
      ToUserName: ACCOUNT,
      FromUserName: OPENID,
      CreateTime: Math.floor(clock / 1000),
      ...fields,
    };
    return `<xml>${Object.entries(all)
      .map(([k, v]) => (typeof v === "number" ? `<${k}>${v}</${k}>` : `<${k}>${cdata(v)}</${k}>`))
      .join("")}</xml>`;
  }
  const text = (content: string, msgId: number | string, from = OPENID) =>
    messageXml({ MsgType: "text", Content: content, MsgId: String(msgId), FromUserName: from });

  async function post(body: string, query: Record<string, string> = signedQuery()) {
    if (!app) throw new Error("no app");
    return app.inject({
      method: "POST",
      url: `/wechat?${qs(query)}`,
      headers: { "content-type": "text/xml" },
      payload: body,
    });
  }

  const contentOf = (xml: string) => parseWechatXml(xml).Content ?? "";
  const count = async (sql: string, params: string[] = []) =>
    (await a?.db.get<{ n: number }>(sql, params))?.n ?? 0;
  const inboundCount = () =>
    count("SELECT COUNT(*) AS n FROM events WHERE type = 'inbound' AND conversation_id = ?", [
      `wx:${OPENID}`,
    ]);

  describe("wechat: server verification (GET /wechat)", () => {
    it("echoes echostr for a good signature; refuses a bad one and a stale timestamp with 401 and nothing else", async () => {
      await setup();
      const ok = await app?.inject({
        method: "GET",
        url: `/wechat?${qs({ ...signedQuery(), echostr: "abc123" })}`,
      });
      expect(ok?.statusCode).toBe(200);
      expect(ok?.body).toBe("abc123");

      const bad = await app?.inject({
        method: "GET",
        url: `/wechat?${qs({ ...signedQuery(), signature: "0".repeat(40), echostr: "abc123" })}`,
      });
      expect(bad?.statusCode).toBe(401);
      expect(bad?.body).not.toContain("abc123");

      const stale = await app?.inject({
        method: "GET",
        url: `/wechat?${qs({ ...signedQuery(clock - 10 * 60_000), echostr: "abc123" })}`,
      });
      expect(stale?.statusCode).toBe(401);
      const missing = await app?.inject({ method: "GET", url: "/wechat?echostr=abc123" });
      expect(missing?.statusCode).toBe(401);
    });
  });

  describe("wechat: messages (POST /wechat)", () => {
    it("answers a text message passively, stores it, and answers WeChat's retry of the same MsgId once", async () => {
      const { fake } = await setup();
      const res = await post(text("申请劳动仲裁需要什么材料", 7001));
      expect(res.statusCode).toBe(200);
      const reply = parseWechatXml(res.body);
      expect(reply.ToUserName).toBe(OPENID);
      expect(reply.FromUserName).toBe(ACCOUNT);
      expect(reply.MsgType).toBe("text");
      expect(reply.Content).toMatch(/仲裁/);
      expect(await inboundCount()).toBe(1);

      // WeChat retries with a new nonce and the same MsgId: no second answer, no second turn.
      const retry = await post(text("申请劳动仲裁需要什么材料", 7001));
      expect(retry.statusCode).toBe(200);
      expect(retry.body).toBe("success");
      await channel?.idle();
      expect(await inboundCount()).toBe(1);
      expect(fake.sent).toHaveLength(0);
    });

    it("answers a retry whose message an earlier process stored but died before answering; once", async () => {
      const { fake, a } = await setup();
      // The process before a kill -9: the turn committed, the passive reply never written. WeChat saw the
      // connection fail and tries again, now reaching this process.
      await a.engine.handleMessage({
        channel: "wechat",
        conversationId: `wx:${OPENID}`,
        messageId: "msg:7101",
        externalUserId: `wx:${OPENID}`,
        text: "申请劳动仲裁需要什么材料",
      });
      const retry = await post(text("申请劳动仲裁需要什么材料", 7101));
      expect(retry.statusCode).toBe(200);
      expect(contentOf(retry.body)).toMatch(/仲裁/);
      // This process answered it: a further retry (the answer lost on the network) gets no second answer.
      expect((await post(text("申请劳动仲裁需要什么材料", 7101))).body).toBe("success");
      await channel?.idle();
      expect(await inboundCount()).toBe(1);
      expect(fake.sent).toHaveLength(0);
    });

    it("refuses a bad signature, a stale timestamp and a nonce replayed with another body; changes nothing", async () => {
      await setup();
      const bad = await post(text("你好", 1), { ...signedQuery(), signature: "f".repeat(40) });
      expect(bad.statusCode).toBe(401);
      const stale = await post(text("你好", 2), signedQuery(clock - 6 * 60_000));
      expect(stale.statusCode).toBe(401);
      const future = await post(text("你好", 3), signedQuery(clock + 6 * 60_000));
      expect(future.statusCode).toBe(401);

      const q = signedQuery();
      expect((await post(text("你好", 4), q)).statusCode).toBe(200);
      // The plain-mode signature does not cover the body: the same query with another body is a forgery.
      const forged = await post(text("转人工", 5), q);
      expect(forged.statusCode).toBe(401);
      // The same request again (a retry as sent) is let through and deduplicated.
      const again = await post(text("你好", 4), q);
      expect(again.statusCode).toBe(200);
      expect(again.body).toBe("success");
      expect(await inboundCount()).toBe(1);
    });

    it("answers malformed XML, an oversized body and an unknown type politely and stores nothing", async () => {
      await setup();
      const malformed = await post("<xml><ToUserName>x</ToUserName><MsgType>text");
      expect(malformed.statusCode).toBe(400);
      expect(malformed.body).not.toContain("MsgType");
      const entity = await post('<!DOCTYPE xml [<!ENTITY a "b">]><xml><MsgType>&a;</MsgType></xml>');
      expect(entity.statusCode).toBe(400);
      const notXml = await post("hello");
      expect(notXml.statusCode).toBe(400);
      const missing = await post(messageXml({ MsgType: "text", Content: "你好", FromUserName: "" }));
      expect(missing.statusCode).toBe(400);
      const huge = await post(text("啊".repeat(40_000), 9));
      expect(huge.statusCode).toBe(413);

      const unknown = await post(messageXml({ MsgType: "miniprogrampage", Title: "x", MsgId: "77" }));
      expect(unknown.statusCode).toBe(200);
      expect(contentOf(unknown.body)).toBe(wechatMessages.unknownType);
      const menuClick = await post(messageXml({ MsgType: "event", Event: "CLICK", EventKey: "k" }));
      expect(menuClick.body).toBe("success");
      expect(await count("SELECT COUNT(*) AS n FROM events")).toBe(0);
      expect(await count("SELECT COUNT(*) AS n FROM conversations")).toBe(0);
    });

    it("reads voice through WeChat's recognition; pictures, locations and links get an honest word and are noted", async () => {
      await setup();
      const voice = await post(
        messageXml({
          MsgType: "voice",
          MediaId: "m1",
          Format: "amr",
          Recognition: "申请劳动仲裁需要什么材料",
          MsgId: "11",
        }),
      );
      expect(contentOf(voice.body)).toMatch(/仲裁/);
      const mute = await post(messageXml({ MsgType: "voice", MediaId: "m2", Format: "amr", MsgId: "12" }));
      expect(contentOf(mute.body)).toBe(wechatMessages.voiceUnrecognised);
      const image = await post(
        messageXml({ MsgType: "image", PicUrl: "http://x/y.jpg", MediaId: "m3", MsgId: "13" }),
      );
      expect(contentOf(image.body)).toBe(wechatMessages.mediaNotSupported("图片"));
      const where = await post(
        messageXml({
          MsgType: "location",
          Location_X: "40.8",
          Location_Y: "111.7",
          Scale: "15",
          Label: "呼和浩特市新城区",
          MsgId: "14",
        }),
      );
      expect(contentOf(where.body)).toBe(wechatMessages.locationReceived);
      const link = await post(
        messageXml({
          MsgType: "link",
          Title: "通知",
          Description: "d",
          Url: "https://example.org/a",
          MsgId: "15",
        }),
      );
      expect(contentOf(link.body)).toBe(wechatMessages.linkReceived);
      const transcript = await a?.db.all<{ payload: string }>(
        "SELECT payload FROM events WHERE type = 'inbound' ORDER BY id",
      );
      expect(transcript?.map((e) => JSON.parse(e.payload).text)).toEqual([
        "申请劳动仲裁需要什么材料",
        wechatMessages.transcript.voiceUnrecognised,
        "[图片]",
        "[位置] 呼和浩特市新城区 纬度 40.8，经度 111.7",
        "[链接] 通知 https://example.org/a",
      ]);
    });

    it("greets a new follower; unfollowing stops campaigns and closes the window", async () => {
      await setup();
      const hello = await post(messageXml({ MsgType: "event", Event: "subscribe" }));
      expect(contentOf(hello.body)).toContain(messages.welcome);
      expect(contentOf(hello.body)).toContain("「转人工」");
      await post(text("订阅 反诈", 21));
      expect((await a?.conversations.get(`wx:${OPENID}`))?.subscribed).toBe(true);
      expect((await a?.subscriptions.get(`wx:${OPENID}`))?.topics).toEqual(["anti_fraud"]);
      clock += 1000;
      const bye = await post(messageXml({ MsgType: "event", Event: "unsubscribe" }));
      expect(bye.body).toBe("success");
      expect((await a?.conversations.get(`wx:${OPENID}`))?.subscribed).toBe(false);
      expect((await a?.subscriptions.get(`wx:${OPENID}`))?.topics).toEqual([]);
      await expect(a?.outbound.check({ id: `wx:${OPENID}`, channel: "wechat" })).rejects.toThrow(/48 小时/);
    });

    it("sends a slow answer through the customer-service API, once, even when WeChat retries meanwhile", async () => {
      const { fake, a } = await setup({ replyDeadlineMs: 150 });
      // Something else holds the conversation (a slow disk, a long turn): the answer misses WeChat's 5 s.
      const { release, held } = await holdConversation(a);
      const first = await post(text("申请劳动仲裁需要什么材料", 31));
      expect(first.body).toBe("success");
      const retry = await post(text("申请劳动仲裁需要什么材料", 31));
      expect(retry.body).toBe("success");
      release();
      await held;
      await channel?.idle();
      expect(fake.sent).toHaveLength(1);
      expect(fake.sent[0]?.touser).toBe(OPENID);
      expect(fake.sent[0]?.content).toMatch(/仲裁/);
      expect(await inboundCount()).toBe(1);
    });

    it("sends a crisis answer at once even while an earlier answer to the same person is still being sent", async () => {
      // A deadline far above any turn's cost on a loaded machine: the slow answer misses it only because the
      // conversation is held, and the crisis reply beats it by being ready, not by a race with a timer.
      const { fake, a } = await setup({ replyDeadlineMs: 2000 });
      // The first understanding of a crisis message in a process loads lazily built parts: not what is tested.
      a.engine.understand("我不想活了");
      fake.delayMs = 1500;
      const { release, held } = await holdConversation(a);
      const slow = await post(text("申请劳动仲裁需要什么材料", 41));
      expect(slow.body).toBe("success");
      release();
      await held;
      // The slow answer is on its way through the customer-service API (which takes 1.5 s); the crisis reply still
      // goes back in WeChat's own response, not behind it.
      const crisis = await post(text("我不想活了", 42));
      expect(contentOf(crisis.body)).toMatch(/12356/);
      await channel?.idle();
      expect(fake.sent.map((m) => m.content)).toEqual([expect.stringMatching(/仲裁/)]);
    });

    it("marks an owed answer as leaving only when its request goes, not while it waits behind another", async () => {
      const { fake, a } = await setup({ replyDeadlineMs: 1 });
      fake.delayMs = 600;
      expect((await post(text("申请劳动仲裁需要什么材料", 71))).body).toBe("success");
      expect((await post(text("低保怎么申请", 72))).body).toBe("success");
      const marks = () =>
        a.db.all<{ sending_at: string | null }>("SELECT sending_at FROM wechat_owed ORDER BY key");
      // The first is on its way to WeChat; the second waits in this person's line. A crash now must leave the
      // second owed and unmarked, so that the next start sends it (marked, it would be taken as sent).
      await expect.poll(async () => (await marks()).map((r) => r.sending_at !== null)).toEqual([true, false]);
      await channel?.idle();
      expect(fake.sent.map((m) => m.content)).toEqual([
        expect.stringMatching(/仲裁/),
        expect.stringMatching(/低保/),
      ]);
      expect(await marks()).toEqual([]);
    });

    it("stores a message before saying success, and sends its owed answer once after a restart", async () => {
      const { fake, a } = await setup({ replyDeadlineMs: 100 });
      const config = { token: TOKEN, appId: fake.appId, appSecret: fake.appSecret, apiRoot: fake.url, now };
      const { release, held } = await holdConversation(a);
      const first = await post(text("申请劳动仲裁需要什么材料", 61));
      expect(first.body).toBe("success");
      // WeChat will not ask again after success: the message is in SQLite before that word went back.
      expect(await a.db.get("SELECT 1 AS one FROM wechat_owed")).toBeDefined();
      // This process cannot reach the customer-service API before it stops (as if killed).
      fake.failNext(-1, 3);
      release();
      await held;
      await channel?.idle();
      expect(fake.sent).toHaveLength(0);
      await app?.close();
      await channel?.stop(2000);
      // A new process on the same database sends what the old one owed, once.
      channel = createWechatChannel(a, { ...config, retryDelaysMs: [10, 10] });
      app = await buildServer(a, { plugins: [channel.plugin] });
      expect(await channel.resume()).toBe(1);
      await channel.idle();
      expect(fake.sent.map((m) => m.content)).toEqual([expect.stringMatching(/仲裁/)]);
      expect(await a.db.get("SELECT 1 AS one FROM wechat_owed")).toBeUndefined();
      // A late retry of that message is not answered a second time, and a second start owes nothing.
      expect((await post(text("申请劳动仲裁需要什么材料", 61))).body).not.toMatch(/仲裁/);
      expect(await channel.resume()).toBe(0);
      await channel.idle();
      expect(fake.sent).toHaveLength(1);
    });

    it("fetches a new access token when WeChat says it expired, and caches it otherwise", async () => {
      const { fake, a } = await setup({ replyDeadlineMs: 50 });
      const slow = async (id: number) => {
        const { release, held } = await holdConversation(a);
        expect((await post(text("申请劳动仲裁需要什么材料", id))).body).toBe("success");
        release();
        await held;
        await channel?.idle();
      };
      await slow(51);
      await slow(52);
      expect(fake.tokensIssued).toBe(1);
      fake.expireToken();
      await slow(53);
      expect(fake.tokensIssued).toBe(2);
      expect(fake.sent.map((s) => s.token)).toEqual(["token-1", "token-1", "token-2"]);
    });

    it("round-trips safe mode: msg_signature, AES-256-CBC both ways; refuses plain or wrongly signed messages", async () => {
      const aesKey = randomBytes(32).toString("base64").slice(0, 43);
      const { fake } = await setup({ encodingAesKey: aesKey });
      const crypto = createWechatCrypto(aesKey, fake.appId);
      const encryptedPost = (inner: string, tamper = false) => {
        const encrypted = crypto.encrypt(inner);
        const q = signedQuery();
        const msgSignature = wechatSignature(TOKEN, q.timestamp, q.nonce, encrypted);
        return post(
          `<xml><ToUserName>${cdata(ACCOUNT)}</ToUserName><Encrypt>${cdata(encrypted)}</Encrypt></xml>`,
          {
            ...q,
            openid: OPENID,
            encrypt_type: "aes",
            msg_signature: tamper ? "0".repeat(40) : msgSignature,
          },
        );
      };
      const res = await encryptedPost(text("申请劳动仲裁需要什么材料", 61));
      expect(res.statusCode).toBe(200);
      const env = parseWechatXml(res.body);
      expect(env.MsgSignature).toBe(
        wechatSignature(TOKEN, env.TimeStamp ?? "", env.Nonce ?? "", env.Encrypt ?? ""),
      );
      expect(contentOf(crypto.decrypt(env.Encrypt ?? ""))).toMatch(/仲裁/);

      expect((await encryptedPost(text("你好", 62), true)).statusCode).toBe(401);
      expect((await post(text("你好", 63))).statusCode).toBe(401);
      // Another account's message (its AppID inside) does not decrypt as ours.
      const other = createWechatCrypto(aesKey, "wxffffffffffffffff").encrypt(text("你好", 64));
      const q = signedQuery();
      const foreign = await post(`<xml><Encrypt>${cdata(other)}</Encrypt></xml>`, {
        ...q,
        encrypt_type: "aes",
        msg_signature: wechatSignature(TOKEN, q.timestamp, q.nonce, other),
      });
      expect(foreign.statusCode).toBe(400);
      expect(await inboundCount()).toBe(1);
    });
  });

  describe("wechat: staff replies through the customer-service API", () => {
    it("delivers a counselor's reply within 48 hours; refuses it after, with an error the counselor sees", async () => {
      const { fake, a } = await setup();
      const wang = await onDutyCounselor(a);
      const crisis = await post(text("我不想活了", 81));
      expect(contentOf(crisis.body)).toMatch(/12356/);
      const [c] = await a.handoff.queue(wang);
      expect(c?.channel).toBe("wechat");
      await a.handoff.claim(c?.id as string, wang);
      await a.handoff.reply(c?.id as string, wang, "你好，我是王老师，我在这里。");
      expect(fake.sent.map((s) => s.content)).toEqual([
        expect.stringMatching(/已接入/),
        expect.stringMatching(/^【.*】你好，我是王老师/),
      ]);

      clock += WINDOW_MS + 60_000;
      const events = await count("SELECT COUNT(*) AS n FROM events");
      await expect(a.handoff.reply(c?.id as string, wang, "还在吗？")).rejects.toMatchObject({
        code: "conflict",
        message: wechatMessages.windowClosed,
      });
      expect(await count("SELECT COUNT(*) AS n FROM events")).toBe(events);
      expect(fake.sent).toHaveLength(2);

      // The citizen writes again: the window reopens.
      await post(text("我还在", 82));
      await a.handoff.reply(c?.id as string, wang, "谢谢你回来。");
      expect(fake.sent).toHaveLength(3);

      // WeChat itself says the window is closed (say, they unfollowed on another device): the reply stays in the
      // transcript and the counselor is told it did not arrive.
      fake.failNext(45015);
      const late = await a.handoff.reply(c?.id as string, wang, "再说一句");
      expect(late.undelivered).toMatchObject({
        code: "conflict",
        message: wechatMessages.windowClosedStored,
      });
      expect(await count("SELECT COUNT(*) AS n FROM events WHERE id = ?", [String(late.eventId)])).toBe(1);
    });
  });

  describe("wechat: department replies", () => {
    it("reach the citizen within 48 hours; after that the clerk is told and the complaint is unchanged", async () => {
      const { fake, a } = await setup();
      await a.staff.add(LABOUR_CLERK);
      const clerk = await a.staff.find("clerk");
      if (!clerk) throw new Error("no clerk");
      let id = 100;
      let last = "";
      for (const line of [...WAGE_COMPLAINT_ANSWERS, "确认提交"]) {
        const res = await post(text(line, id++));
        last = res.body === "success" ? "" : contentOf(res.body);
        clock += 1000;
      }
      const number = /SW-\d{4}-\d{6}/.exec(last)?.[0] ?? "";
      expect(number).not.toBe("");
      await a.complaints.accept(number, clerk);
      await a.complaints.reply(number, clerk, "已联系施工方，本周内核实");
      expect(fake.sent.at(-1)?.content).toContain("已联系施工方");
      const sent = fake.sent.length;

      clock += WINDOW_MS + 60_000;
      const before = await a.complaints.get(number);
      await expect(a.complaints.reply(number, clerk, "请补充工地名称", true)).rejects.toMatchObject({
        code: "conflict",
        message: wechatMessages.windowClosed,
      });
      expect((await a.complaints.get(number))?.state).toBe(before?.state);
      expect(fake.sent).toHaveLength(sent);
    });
  });

  describe("wechat: XML reader", () => {
    it("reads WeChat's flat XML, entities and split CDATA; refuses what is not", () => {
      expect(
        parseWechatXml(
          `<?xml version="1.0"?>\n<xml><A><![CDATA[x]]]]><![CDATA[>y]]></A><B>1 &lt; 2 &#x4E2D;</B><C><item><k>v</k></item></C></xml>`,
        ),
      ).toEqual({ A: "x]]>y", B: "1 < 2 中", C: "" });
      for (const bad of [
        "",
        "<xml>",
        "<xml><a></b></xml>",
        "<xml><a>&foo;</a></xml>",
        "<xml></xml>junk",
        "<xml><a>1</a><a>2</a></xml>",
      ])
        expect(() => parseWechatXml(bad)).toThrow(XmlError);
    });
  });
});
