import type { FastifyInstance } from "fastify";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conversationTopic } from "../core/live-hub.js";
import { departmentTopic } from "../handoff/complaint-context.js";
import { launchChromium, startTestServer } from "./browser-support.js";
import { LABOUR_CLERK, type testAssistant } from "./helpers.js";

/**
 * A complaint (诉求) end to end in a real browser (Debian's Chromium, through playwright-core) against the real
 * server: a citizen files it in the web chat, the department clerk works it in the console, and the citizen
 * answers the follow-up. The three steps share one server, one citizen page and one clerk page, in order.
 */
const TIMEOUT = 90_000;
const DEPARTMENT = "松山区/hrss-labour-inspection";
const STAFF_REPLY = "已联系施工方，本周内核实";
const RESULT = "施工方已补发全部工资";

let a: Awaited<ReturnType<typeof testAssistant>>;
let app: FastifyInstance;
let browser: Browser;
let base: string;
let citizenCtx: BrowserContext;
let clerkCtx: BrowserContext;
let citizen: Page;
let clerk: Page;
let complaintId = "";
/** Every console API path the clerk's page requested. */
const clerkRequests: string[] = [];

beforeAll(async () => {
  ({ a, app, base } = await startTestServer());
  await a.staff.add(LABOUR_CLERK);
  browser = await launchChromium();
  citizenCtx = await browser.newContext();
  clerkCtx = await browser.newContext();
  citizen = await citizenCtx.newPage();
  clerk = await clerkCtx.newPage();
  clerk.on("request", (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith("/console/api/")) clerkRequests.push(path);
  });
  // 办结 asks for confirmation; the clerk says yes.
  clerk.on("dialog", (d) => void d.accept());
}, TIMEOUT);

afterAll(async () => {
  // The browser first: its open event streams would otherwise keep the server from closing.
  await citizenCtx?.close();
  await clerkCtx?.close();
  await browser?.close();
  app?.server.closeAllConnections();
  await app?.close();
  await a?.cleanup();
}, TIMEOUT);

/** Runs a citizen action that posts a message, and waits until the server has answered it. */
async function answered(page: Page, action: () => Promise<void>) {
  const response = page.waitForResponse(
    (r) => r.url().endsWith("/api/chat") && r.request().method() === "POST",
  );
  await action();
  expect((await response).status()).toBe(200);
  await expect.poll(() => page.locator(".msg.citizen.pending").count()).toBe(0);
}

/** Types a message on the citizen page and sends it. */
const types = (page: Page, text: string) =>
  answered(page, async () => {
    await page.locator("#t").fill(text);
    await page.getByRole("button", { name: "发送", exact: true }).click();
  });

/** Taps one of the buttons the bot offers with its newest message. */
const taps = (page: Page, label: string) =>
  answered(page, () =>
    page.locator(".chips").last().getByRole("button", { name: label, exact: true }).click(),
  );

/** The newest bot message on the citizen page, once it contains `text`. */
const botSaid = (page: Page, text: string) =>
  expect.poll(() => page.locator(".msg.bot").last().textContent()).toContain(text);

describe("a complaint in the browser: citizen files, department works it, citizen rates", () => {
  it(
    "the citizen files a wage complaint in the web chat and gets an SW- number",
    async () => {
      await citizen.goto(`${base}/`);
      await citizen.locator(".msg.bot").first().waitFor();

      await taps(citizen, "我要投诉");
      await botSaid(citizen, "发生了什么");
      await types(citizen, "赤峰市松山区一个工地老板拖欠我们三个月工资");
      await botSaid(citizen, "拖欠工资");
      await taps(citizen, "是的");
      await botSaid(citizen, "苏木乡镇");
      await taps(citizen, "不清楚");
      await botSaid(citizen, "怎么处理");
      await types(citizen, "尽快把工资发给我们");
      await botSaid(citizen, "处理结果怎么告诉你");
      await taps(citizen, "在这里回复我");
      await botSaid(citizen, "请核对你的诉求");
      await taps(citizen, "确认提交");

      const filed = citizen.locator(".msg.bot", { hasText: /已登记，编号 SW-\d{4}-\d{6}/ });
      await filed.waitFor();
      complaintId = /SW-\d{4}-\d{6}/.exec((await filed.textContent()) ?? "")?.[0] ?? "";
      expect(complaintId).toMatch(/^SW-\d{4}-\d{6}$/);
      // The number is one unbreakable, select-all piece; the read-back's buttons are spent.
      expect(await filed.locator(".case-no").first().textContent()).toBe(complaintId);
      const confirm = citizen.locator(".chips button", { hasText: "确认提交" });
      expect(await confirm.isDisabled()).toBe(true);
      expect(await a.complaints.get(complaintId)).toMatchObject({
        state: "dispatched",
        departmentId: DEPARTMENT,
        category: "wage-arrears",
        ask: "尽快把工资发给我们",
      });
    },
    TIMEOUT,
  );

  it(
    "the clerk sees it in the console, accepts it, replies (pushed live to the citizen) and closes it",
    async () => {
      expect(complaintId).not.toBe("");
      await clerk.goto(`${base}/console`);
      await clerk.locator("#lu").fill("clerk");
      await clerk.locator("#lp").fill("clerk-password");
      await clerk.getByRole("button", { name: "登录" }).click();

      // A department clerk gets the complaint view only: no tabs, no crisis queue.
      const row = clerk.locator("#klist .case", { hasText: complaintId });
      await row.waitFor();
      expect(await clerk.locator("#tabs").isHidden()).toBe(true);
      expect(await clerk.locator("#crisis").isHidden()).toBe(true);
      const rowText = await row.textContent();
      for (const part of ["待受理", "拖欠工资", "赤峰市 松山区", "松山区人力资源和社会保障局"])
        expect(rowText).toContain(part);
      expect(await row.locator(".due").textContent()).toMatch(/^\d{4}\/\d{1,2}\/\d{1,2}/);
      await expect
        .poll(() => a.live.listeners(departmentTopic("松山区/hrss-labour-inspection")))
        .toBeGreaterThan(0);

      await row.click();
      const body = clerk.locator("#kBody");
      await body.getByText("赤峰市松山区一个工地老板拖欠我们三个月工资").waitFor();
      expect(await body.textContent()).toContain("尽快把工资发给我们");
      await clerk.locator("#ktimeline li", { hasText: "派单" }).waitFor();

      await clerk.getByRole("button", { name: "受理", exact: true }).click();
      await clerk.locator("#kHead", { hasText: "办理中" }).waitFor();
      await clerk.locator("#ktimeline li", { hasText: "受理 · clerk" }).waitFor();

      // The citizen's page is listening, so the department's reply arrives there without a reload.
      const conversationId = await citizen.evaluate(() => localStorage.getItem("shouwang.conversationId"));
      expect(conversationId).toBeTruthy();
      await expect.poll(() => a.live.listeners(conversationTopic(conversationId ?? ""))).toBeGreaterThan(0);
      await clerk.locator("#tKReply").fill(STAFF_REPLY);
      await clerk.getByRole("button", { name: "回复群众", exact: true }).click();
      await clerk.locator("#ktimeline li", { hasText: `回复群众 · clerk：${STAFF_REPLY}` }).waitFor();
      await citizen.locator(".msg.staff", { hasText: STAFF_REPLY }).waitFor();

      await clerk.locator("#tKResult").fill(RESULT);
      await clerk.getByRole("button", { name: "办结", exact: true }).click();
      await clerk.locator("#kHead", { hasText: "已办结" }).waitFor();
      await clerk.locator("#ktimeline li", { hasText: `办结 · clerk：${RESULT}` }).waitFor();
      expect(await clerk.locator("#kActs").isHidden()).toBe(true);
      expect(await a.complaints.get(complaintId)).toMatchObject({ state: "closed", result: RESULT });

      // Department users never touch the crisis endpoints (they would get 403).
      expect(clerkRequests).toContain("/console/api/complaints/stream");
      expect(clerkRequests.filter((p) => /^\/console\/api\/(queue|stream|staff|cases)\b/.test(p))).toEqual(
        [],
      );
    },
    TIMEOUT,
  );

  it(
    "the citizen says it is resolved and rates it 5; the clerk's open complaint shows the rating live",
    async () => {
      expect(complaintId).not.toBe("");
      await citizen.locator(".msg.bot", { hasText: "解决了吗" }).waitFor();
      await botSaid(citizen, RESULT);

      await taps(citizen, "已解决");
      await botSaid(citizen, "打分");
      expect(await citizen.locator(".chips").last().getByRole("button").allTextContents()).toEqual([
        "1 分",
        "2 分",
        "3 分",
        "4 分",
        "5 分",
      ]);
      await types(citizen, "5 很满意");
      await botSaid(citizen, "谢谢你的评价");

      expect(await a.complaints.get(complaintId)).toMatchObject({
        state: "closed",
        resolved: true,
        rating: 5,
        ratingComment: "很满意",
      });
      await clerk.locator("#kBody", { hasText: "5 分：很满意" }).waitFor();
      await clerk.locator("#ktimeline li", { hasText: "群众评价 · 群众：5 分" }).waitFor();
    },
    TIMEOUT,
  );
});
