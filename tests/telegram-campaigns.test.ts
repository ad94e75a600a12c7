import { afterEach, describe, expect, it } from "vitest";
import { createTelegramChannel, type TelegramChannel } from "../bot/telegram/channel.js";
import { type FakeTelegram, startFakeTelegram, updates } from "./fixtures/fake-telegram.js";
import { testAssistant } from "./helpers.js";
import { forEachStore } from "./stores.js";

/**
 * Campaigns through the fake Bot API with Telegram's limits switched on in the fake (30 messages in any second,
 * one per chat per second, retry_after enforced) and in the bot (its throttler, 25 campaign messages/s).
 */
type A = Awaited<ReturnType<typeof testAssistant>>;
let fake: FakeTelegram | undefined;
let a: A | undefined;
let channel: TelegramChannel | undefined;

forEachStore(() => {
  afterEach(async () => {
    await channel?.stop(2000);
    channel = undefined;
    await a?.cleanup();
    a = undefined;
    await fake?.close();
    fake = undefined;
  });

  async function setup() {
    fake = await startFakeTelegram({ limits: { perSecond: 30, perChatPerSecond: 1 } });
    a = await testAssistant({ campaigns: { tickMs: 20 } });
    await a.staff.add({ username: "zhao", password: "zhao-password-1", role: "editor" });
    await a.staff.add({ username: "qian", password: "qian-password-1", role: "admin" });
    channel = createTelegramChannel(a, {
      token: fake.token,
      apiRoot: fake.url,
      mode: "polling",
      pollTimeoutSeconds: 1,
    });
    return { fake, a, channel };
  }

  async function subscribers(x: A, chats: readonly number[], topic = "anti_fraud") {
    for (const chat of chats)
      await x.subscriptions.subscribe({
        conversationId: `tg:${chat}`,
        channel: "telegram",
        topics: [topic],
        wording: "test",
        at: new Date().toISOString(),
      });
  }

  async function campaign(x: A, title = "防范电信诈骗") {
    const { campaign } = await x.campaigns.create(
      { title, body: "陌生来电让转账，一律是诈骗。", topics: ["反诈"], quietHours: null },
      "zhao",
    );
    await x.campaigns.approve(campaign.id, "qian");
    return campaign.id;
  }

  async function finished(x: A, id: number) {
    const end = Date.now() + 20_000;
    for (;;) {
      const s = await x.campaigns.status(id);
      if (s.state === "done") return s;
      if (Date.now() > end) throw new Error(`campaign ${id} not finished: ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  describe("campaigns on Telegram at its limits", () => {
    it("reaches every subscriber exactly once without a single 429, ending with how to unsubscribe", async () => {
      const { fake, a, channel } = await setup();
      const chats = Array.from({ length: 40 }, (_, i) => 5_000_000 + i);
      await subscribers(a, chats);
      const id = await campaign(a);
      a.dispatcher.start();
      await channel.start();
      expect(await finished(a, id)).toMatchObject({ recipients: 40, sent: 40, failed: 0, skipped: 0 });
      for (const chat of chats) {
        const got = fake.sentTo(chat);
        expect(got).toHaveLength(1);
        expect(got[0]?.text).toContain("回复「退订 反诈」");
      }
      expect(fake.limitViolations()).toBe(0);
    });

    it("honours retry_after: after a 429 nothing is sent until it has passed, and nothing is lost", async () => {
      const { fake, a, channel } = await setup();
      const chats = Array.from({ length: 6 }, (_, i) => 5_100_000 + i);
      await subscribers(a, chats);
      fake.failNext("sendMessage", 1, 1);
      const id = await campaign(a);
      a.dispatcher.start();
      await channel.start();
      expect(await finished(a, id)).toMatchObject({ sent: 6, failed: 0 });
      expect(fake.rejected.get("sendMessage")).toBe(1);
      expect(fake.limitViolations()).toBe(0);
      for (const chat of chats) expect(fake.sentTo(chat)).toHaveLength(1);
    });

    it("paces two campaigns to one chat at one message per second", async () => {
      const { fake, a, channel } = await setup();
      await subscribers(a, [5_200_000]);
      const first = await campaign(a, "第一期");
      const second = await campaign(a, "第二期");
      a.dispatcher.start();
      await channel.start();
      await finished(a, first);
      await finished(a, second);
      // Both arrive, a second apart (no per-chat limit broken); two campaigns approved together may go in either order.
      expect(
        fake
          .sentTo(5_200_000)
          .map((m) => m.text.split("\n")[0])
          .sort(),
      ).toEqual(["【普法 · 第一期】", "【普法 · 第二期】"].sort());
      expect(fake.limitViolations()).toBe(0);
    });

    it("unsubscribes a citizen who blocked the bot, whether Telegram says so in an update or by refusing the send", async () => {
      const { fake, a, channel } = await setup();
      await subscribers(a, [5_300_000, 5_300_001, 5_300_002]);
      fake.block(5_300_001);
      a.dispatcher.start();
      await channel.start();
      fake.queueUpdates(updates.blocked(5_300_002));
      const end = Date.now() + 10_000;
      while ((await a.subscriptions.get("tg:5300002")).topics.length > 0 && Date.now() < end)
        await new Promise((r) => setTimeout(r, 25));
      expect((await a.subscriptions.get("tg:5300002")).topics).toEqual([]);
      const id = await campaign(a);
      expect(await finished(a, id)).toMatchObject({ recipients: 2, sent: 1, failed: 1 });
      expect((await a.subscriptions.get("tg:5300001")).topics).toEqual([]);
      for (const c of ["tg:5300001", "tg:5300002"])
        expect((await a.subscriptions.consents(c)).map((k) => k.action)).toEqual(["subscribe", "blocked"]);
      expect(fake.sentTo(5_300_000)).toHaveLength(1);
      expect(fake.sentTo(5_300_002)).toHaveLength(0);
    });
  });
});
