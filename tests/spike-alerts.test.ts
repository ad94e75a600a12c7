import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, expect, it } from "vitest";
import { createStaffAlerts, wecomRobot } from "../bot/robots/alerts.js";
import { createSlackChannel, type SlackChannel } from "../bot/slack/index.js";
import { createLogger } from "../core/logger.js";
import { type FakeSlack, startFakeSlack } from "./fixtures/fake-slack.js";
import { testAssistant } from "./helpers.js";
import { forEachStore } from "./stores.js";
import { importRows, letter, noon, steadyStream } from "./stream-fixtures.js";

/**
 * A spike reaches supervisors outside the console once: in their Slack channel with the case numbers behind it,
 * and in a WeCom group as one line with the count and the dashboard's address, never a citizen's words.
 */
const DAY = "2026-03-18";
const SUPERVISORS = "C0SUPERVISE";
const CONSOLE = "https://sw.example.gov.cn/console";
let stop: (() => Promise<void>)[] = [];
forEachStore(() => {
  afterEach(async () => {
    for (const s of stop.reverse()) await s();
    stop = [];
  });

  async function robotSink() {
    const received: string[] = [];
    const server: Server = createServer(async (req, res) => {
      let raw = "";
      for await (const c of req) raw += c;
      received.push((JSON.parse(raw) as { text: { content: string } }).text.content);
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ errcode: 0, errmsg: "ok" }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cgi-bin/webhook/send?key=k`;
    return { received, url, close: () => new Promise<void>((r) => server.close(() => r())) };
  }

  it("a spike is posted once to the supervisors' Slack channel and once to the WeCom group", async () => {
    const a = await testAssistant({ now: () => new Date(noon(DAY, 600)) });
    stop.push(a.cleanup);
    const fake: FakeSlack = await startFakeSlack();
    stop.push(fake.close);
    const slack: SlackChannel = createSlackChannel(a, {
      token: "xoxb-test-token",
      signingSecret: "8f742231b10e8888abcd99yyyzzz85a5",
      apiUrl: fake.url,
      counselorChannel: "C0COUNSEL",
      supervisorChannel: SUPERVISORS,
      consoleUrl: CONSOLE,
      postIntervalMs: 10,
    });
    await slack.start();
    stop.push(slack.stop);
    const robots = await robotSink();
    stop.push(robots.close);
    const alerts = createStaffAlerts(a.live, {
      robots: [wecomRobot(robots.url)],
      consoleUrl: CONSOLE,
      logger: createLogger({ level: "silent" }),
    });
    stop.push(async () => {
      alerts.stop();
      await alerts.idle();
    });

    await importRows(a, [
      ...steadyStream([{ county: "松山区", category: "wage-arrears", perDay: 1 }], DAY, 60),
      ...Array.from({ length: 9 }, (_, i) =>
        letter(`w-${i}`, { county: "松山区", category: "wage-arrears" }, DAY, i),
      ),
    ]);
    await a.spikes.sweep(true);
    await a.spikes.sweep(true);
    const posted = () => fake.callsOf("chat.postMessage").filter((c) => c.args.channel === SUPERVISORS);
    await expect.poll(() => posted().length).toBe(1);
    const text = String(posted()[0]?.args.text);
    expect(text).toContain("赤峰市松山区「拖欠工资（农民工欠薪）」诉求突增");
    expect(text).toContain("old:w-0");
    expect(text).toContain(`${CONSOLE}/dashboard`);

    await alerts.idle();
    expect(robots.received).toHaveLength(1);
    expect(robots.received[0]).toContain("赤峰市松山区");
    expect(robots.received[0]).toContain(`${CONSOLE}/dashboard`);
    expect(robots.received[0]).not.toContain("来信");
    // Nothing more on a later sweep.
    await a.spikes.sweep(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(posted()).toHaveLength(1);
  });
});
