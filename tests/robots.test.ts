import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { robotMessages } from "../bot/messages.js";
import { createStaffAlerts, dingtalkRobot, type StaffAlerts, wecomRobot } from "../bot/robots/alerts.js";
import { createLogger } from "../core/logger.js";
import { COMPLAINT_TOPIC } from "../handoff/complaint-context.js";
import { onDutyCounselor, testAssistant } from "./helpers.js";
import { forEachStore } from "./stores.js";

const SECRET = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd";
const CONSOLE = "https://shouwang.example.gov.cn/console";

interface Received {
  path: string;
  query: URLSearchParams;
  body: { msgtype: string; text: { content: string } };
}

/** WeCom's and DingTalk's robot webhooks on 127.0.0.1; the DingTalk side checks 加签 as DingTalk does. */
async function startFakeRobots(now: () => number) {
  const received: Received[] = [];
  const server: Server = createServer(async (req, res) => {
    let raw = "";
    for await (const c of req) raw += c;
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    res.setHeader("content-type", "application/json");
    const body = JSON.parse(raw) as Received["body"];
    if (url.pathname === "/robot/send") {
      const ts = Number(url.searchParams.get("timestamp"));
      const expected = createHmac("sha256", SECRET).update(`${ts}\n${SECRET}`).digest("base64");
      if (url.searchParams.get("access_token") !== "dt-token")
        return res.end(JSON.stringify({ errcode: 300001, errmsg: "token is not exist" }));
      if (url.searchParams.get("sign") !== expected || Math.abs(now() - ts) > 3600_000)
        return res.end(JSON.stringify({ errcode: 310000, errmsg: "sign not match" }));
    } else if (url.pathname !== "/cgi-bin/webhook/send" || url.searchParams.get("key") !== "wecom-key") {
      return res.end(JSON.stringify({ errcode: 93000, errmsg: "invalid webhook url" }));
    }
    received.push({ path: url.pathname, query: url.searchParams, body });
    res.end(JSON.stringify({ errcode: 0, errmsg: "ok" }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    received,
    wecom: `${root}/cgi-bin/webhook/send?key=wecom-key`,
    dingtalk: `${root}/robot/send?access_token=dt-token`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

type A = Awaited<ReturnType<typeof testAssistant>>;
let a: A | undefined;
let alerts: StaffAlerts | undefined;
let fake: Awaited<ReturnType<typeof startFakeRobots>> | undefined;
let clock = Date.parse("2026-12-07T02:00:00Z");
const now = () => new Date(clock);

forEachStore(() => {
  afterEach(async () => {
    alerts?.stop();
    await alerts?.idle();
    alerts = undefined;
    await a?.cleanup();
    a = undefined;
    await fake?.close();
    fake = undefined;
  });

  async function setup() {
    clock = Date.parse("2026-12-07T02:00:00Z");
    fake = await startFakeRobots(() => clock);
    a = await testAssistant({ now });
    alerts = createStaffAlerts(a.live, {
      robots: [wecomRobot(fake.wecom), dingtalkRobot(fake.dingtalk, SECRET, () => clock)],
      consoleUrl: CONSOLE,
      logger: createLogger({ level: "silent" }),
      now: () => clock,
    });
    return { a, fake, alerts };
  }

  const settle = async () => {
    // Pages are published after the turn's commit, from a promise chain.
    await new Promise((r) => setTimeout(r, 50));
    await alerts?.idle();
  };

  describe("staff alerts through WeCom and DingTalk group robots", () => {
    it("posts a new imminent case to both groups: number, risk, console link, and no citizen text", async () => {
      const { a, fake } = await setup();
      await onDutyCounselor(a);
      const words = "我现在就在楼顶，准备跳下去";
      await a.engine.handleMessage({ channel: "wechat", conversationId: "wx:o1", text: words });
      await settle();
      expect(fake.received.map((r) => r.path).sort()).toEqual(["/cgi-bin/webhook/send", "/robot/send"]);
      const [c] = await a.db.all<{ id: string }>("SELECT id FROM cases");
      for (const r of fake.received) {
        expect(r.body.msgtype).toBe("text");
        expect(r.body.text.content).toBe(robotMessages.newCase(c?.id as string, "紧急", CONSOLE));
        expect(r.body.text.content).not.toContain("楼顶");
        expect(r.body.text.content).not.toContain("wx:o1");
      }
      // Distress and everyday questions page nobody's group.
      await a.engine.handleMessage({ channel: "web", conversationId: "w2", text: "最近压力好大，睡不着" });
      await a.engine.handleMessage({
        channel: "web",
        conversationId: "w3",
        text: "申请劳动仲裁需要什么材料",
      });
      await settle();
      expect(fake.received).toHaveLength(2);
    });

    it("posts an unclaimed crisis case's escalation, at most once per quarter hour, and an overdue complaint", async () => {
      const { a, fake } = await setup();
      await onDutyCounselor(a);
      await a.engine.handleMessage({
        channel: "web",
        conversationId: "c",
        text: "刀已经在手上了，今晚就结束",
      });
      await settle();
      expect(fake.received).toHaveLength(2);
      clock += 61_000;
      expect(await a.handoff.sweep()).toBe(1);
      await settle();
      expect(fake.received).toHaveLength(4);
      expect(fake.received[2]?.body.text.content).toMatch(/超时仍无人认领/);
      clock += 61_000;
      expect(await a.handoff.sweep()).toBe(1);
      await settle();
      expect(fake.received).toHaveLength(4);

      a.live.publish(COMPLAINT_TOPIC, "complaint", { complaintId: "SW-2026-000042", type: "overdue" });
      a.live.publish(COMPLAINT_TOPIC, "complaint", { complaintId: "SW-2026-000042", type: "replied" });
      await settle();
      expect(fake.received.slice(4).map((r) => r.body.text.content)).toEqual([
        robotMessages.complaintOverdue("SW-2026-000042", CONSOLE),
        robotMessages.complaintOverdue("SW-2026-000042", CONSOLE),
      ]);
    });

    it("signs DingTalk posts with HMAC-SHA256 over the timestamp; a wrong secret is refused and only logged", async () => {
      clock = Date.parse("2026-12-07T02:00:00Z");
      fake = await startFakeRobots(() => clock);
      const good = dingtalkRobot(fake.dingtalk, SECRET, () => clock);
      await good.post("测试");
      const q = fake.received[0]?.query;
      expect(q?.get("timestamp")).toBe(String(clock));
      expect(q?.get("sign")).toBe(
        createHmac("sha256", SECRET).update(`${clock}\n${SECRET}`).digest("base64"),
      );
      await expect(dingtalkRobot(fake.dingtalk, "SECwrong", () => clock).post("x")).rejects.toThrow(/310000/);
      // A signature from more than an hour ago is stale for DingTalk.
      await expect(
        dingtalkRobot(fake.dingtalk, SECRET, () => clock - 2 * 3600_000).post("x"),
      ).rejects.toThrow(/310000/);
      await expect(wecomRobot(fake.wecom.replace("wecom-key", "nope")).post("x")).rejects.toThrow(/93000/);
      expect(fake.received).toHaveLength(1);
    });
  });
});
