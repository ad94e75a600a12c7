import { afterEach, describe, expect, it } from "vitest";
import type { TurnResult } from "../bot/turn.js";
import { testAssistant } from "./helpers.js";
import { forEachStore } from "./stores.js";

type A = Awaited<ReturnType<typeof testAssistant>>;
let a: A | undefined;
afterEach(async () => {
  await a?.cleanup();
  a = undefined;
});

const say = (x: A, text: string, conversationId = "web-1"): Promise<TurnResult> =>
  x.engine.handleMessage({ channel: "web", conversationId, text });
const labels = (r: TurnResult) => r.replies.flatMap((x) => x.buttons ?? []).map((b) => b.label);
const texts = (r: TurnResult) => r.replies.map((x) => x.text).join("\n");

forEachStore(() => {
  describe("普法 subscriptions a citizen controls", () => {
    it("shows the topics as buttons, and a pressed button subscribes", async () => {
      a = await testAssistant();
      const menu = await say(a, "订阅");
      for (const name of [
        "劳动就业",
        "草原",
        "土地",
        "婚姻家庭",
        "社保医保",
        "消费维权",
        "反诈",
        "心理健康",
        "法律援助",
      ])
        expect(labels(menu)).toContain(name);
      expect((await a.subscriptions.get("web-1")).topics).toEqual([]);
      const press = menu.replies[0]?.buttons?.find((b) => b.label === "反诈")?.payload as string;
      const r = await say(a, press);
      expect(texts(r)).toContain("已订阅：「反诈」");
      expect((await a.subscriptions.get("web-1")).topics).toEqual(["anti_fraud"]);
    });

    it("subscribes by alias, asks the place once, and keeps it until the citizen changes it", async () => {
      a = await testAssistant();
      const first = await say(a, "订阅 劳动");
      expect(texts(first)).toContain("已订阅：「劳动就业」");
      expect(texts(first)).toContain("哪个盟市");
      expect(labels(first)).toContain("呼和浩特市");
      expect(labels(first)).toContain("全区");
      const placed = await say(a, "包头市");
      expect(texts(placed)).toContain("地区已设为：包头市");
      expect((await a.subscriptions.get("web-1")).place).toEqual({ league: "包头市" });

      const second = await say(a, "订阅 反诈");
      expect(texts(second)).not.toContain("哪个盟市");
      const changed = await say(a, "订阅地区 土默特左旗");
      expect(texts(changed)).toContain("呼和浩特市土默特左旗");
      const s = await a.subscriptions.get("web-1");
      expect(s.place).toEqual({ league: "呼和浩特市", county: "土默特左旗" });
      expect(s.topics.sort()).toEqual(["anti_fraud", "labour"]);
    });

    it("leaves one topic, then all, each in one message answered at once", async () => {
      a = await testAssistant();
      await say(a, "订阅 劳动 反诈 草原");
      await say(a, "全区");
      const one = await say(a, "退订 劳动");
      expect(texts(one)).toContain("已退订：「劳动就业」");
      expect((await a.subscriptions.get("web-1")).topics.sort()).toEqual(["anti_fraud", "grassland"]);
      const all = await say(a, "退订");
      expect(texts(all)).toContain("已退订全部");
      expect((await a.subscriptions.get("web-1")).topics).toEqual([]);
      expect((await a.conversations.get("web-1"))?.subscribed).toBe(false);
    });

    it("records every consent and withdrawal with its time and the words the citizen was shown", async () => {
      a = await testAssistant();
      const r = await say(a, "订阅 婚姻");
      await say(a, "赤峰市");
      await say(a, "退订 婚姻家庭");
      const log = await a.subscriptions.consents("web-1");
      expect(log.map((c) => c.action)).toEqual(["subscribe", "place", "unsubscribe"]);
      expect(r.replies[0]?.text).toContain(log[0]?.wording as string);
      expect(log[0]?.wording).toContain("「婚姻家庭」");
      expect(log[0]?.wording).toContain("退订");
      for (const c of log) expect(Number.isNaN(Date.parse(c.created_at))).toBe(false);
    });

    it("refuses an unknown topic or place with the list, and changes nothing", async () => {
      a = await testAssistant();
      const r = await say(a, "订阅 天气预报");
      expect(texts(r)).toContain("没有「天气预报」这个主题");
      expect(labels(r)).toContain("劳动就业");
      const p = await say(a, "订阅地区 火星");
      expect(texts(p)).toContain("没有找到这个地名");
      expect(await a.subscriptions.get("web-1")).toEqual({ topics: [], place: {}, placeAsked: false });
      expect(await a.subscriptions.consents("web-1")).toEqual([]);
    });

    it("leaves questions that merely start with the word to the knowledge base", async () => {
      a = await testAssistant();
      const r = await say(a, "订阅号怎么关注");
      expect(r.replies.every((x) => x.kind !== "subscription")).toBe(true);
      const after = await say(a, "订阅 土地");
      // The place question is not asked twice, and an unrelated next message is answered as usual.
      expect(texts(after)).toContain("哪个盟市");
      const next = await say(a, "老板拖欠工资怎么办");
      expect(next.replies.every((x) => x.kind !== "subscription")).toBe(true);
      expect((await a.subscriptions.get("web-1")).placeAsked).toBe(true);
    });
  });
});
