import type { FastifyInstance } from "fastify";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, startTestServer } from "./browser-support.js";
import type { testAssistant } from "./helpers.js";

/**
 * A 普法 campaign end to end in a real browser against the real server: a citizen subscribes in the web chat, an
 * editor drafts and previews the campaign in the console, an admin approves it, and the citizen's open page
 * shows it as a notice without a reload.
 */
const TIMEOUT = 90_000;
const TITLE = "工资被拖欠怎么办";

let a: Awaited<ReturnType<typeof testAssistant>>;
let app: FastifyInstance;
let browser: Browser;
let base: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  ({ a, app, base } = await startTestServer());
  await a.staff.add({ username: "zhao", password: "zhao-password-1", role: "editor" });
  await a.staff.add({ username: "qian", password: "qian-password-1", role: "admin" });
  a.dispatcher.start();
  browser = await launchChromium();
}, TIMEOUT);

afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  app?.server.closeAllConnections();
  await app?.close();
  await a?.cleanup();
}, TIMEOUT);

async function page(): Promise<Page> {
  const ctx = await browser.newContext();
  contexts.push(ctx);
  return ctx.newPage();
}

async function answered(p: Page, action: () => Promise<void>) {
  const response = p.waitForResponse((r) => r.url().endsWith("/api/chat") && r.request().method() === "POST");
  await action();
  expect((await response).status()).toBe(200);
}

async function login(p: Page, username: string, password: string) {
  await p.goto(`${base}/console`);
  await p.locator("#lu").fill(username);
  await p.locator("#lp").fill(password);
  await p.getByRole("button", { name: "登录", exact: true }).click();
  await p
    .locator("#who")
    .filter({ hasText: username === "zhao" ? "普法编辑" : "管理员" })
    .waitFor();
}

describe("a 普法 campaign in the browser", () => {
  it(
    "is drafted by an editor, approved by an admin, and shown on a subscribed citizen's open page",
    async () => {
      const citizen = await page();
      await citizen.goto(`${base}/`);
      await citizen.locator(".msg.bot").first().waitFor();
      await answered(citizen, async () => {
        await citizen.locator("#t").fill("订阅 劳动");
        await citizen.getByRole("button", { name: "发送", exact: true }).click();
      });
      await expect.poll(() => citizen.locator(".msg.bot").last().textContent()).toContain("哪个盟市");
      await answered(citizen, () =>
        citizen.locator(".chips").last().getByRole("button", { name: "全区", exact: true }).click(),
      );
      await expect.poll(() => citizen.locator(".msg.bot").last().textContent()).toContain("全区");

      const editor = await page();
      await login(editor, "zhao", "zhao-password-1");
      await editor.getByRole("button", { name: "起草普法推送" }).click();
      await editor.getByLabel("标题").fill(TITLE);
      await editor
        .getByLabel("正文")
        .fill("用人单位应当按时足额支付劳动报酬，拖欠的可以向劳动保障监察投诉。");
      await editor.locator("#gTopics").getByLabel("劳动就业").check();
      await editor.getByLabel("免打扰时段").fill("none");
      await editor.getByRole("button", { name: "预览" }).click();
      await expect.poll(() => editor.locator("#gPrev").textContent()).toContain("将发送给 1 位订阅者");
      const preview = (await editor.locator("#gPrev .preview").textContent()) ?? "";
      expect(preview).toContain(`【普法 · ${TITLE}】`);
      expect(preview).toContain("回复「退订 劳动就业」");
      await editor.getByRole("button", { name: "提交审核" }).click();
      await expect.poll(() => editor.locator("#gHead").textContent()).toContain("待审核");
      // The author cannot approve: the button is not offered to an editor.
      expect(await editor.locator("#gApprove").isHidden()).toBe(true);
      expect(await citizen.locator(".msg.notice").count()).toBe(0);

      const admin = await page();
      await login(admin, "qian", "qian-password-1");
      await admin.getByRole("tab", { name: "普法推送" }).click();
      await admin.locator(".gitem", { hasText: TITLE }).click();
      await admin.getByRole("button", { name: "批准发送" }).click();

      const notice = citizen.locator(".msg.notice");
      await notice.waitFor({ timeout: 20_000 });
      expect(await notice.textContent()).toContain(TITLE);
      expect(await notice.textContent()).toContain("回复「退订 劳动就业」");
      await expect.poll(async () => (await a.campaigns.status(1)).state, { timeout: 10_000 }).toBe("done");
      expect(await a.campaigns.status(1)).toMatchObject({ recipients: 1, sent: 1, failed: 0, skipped: 0 });
    },
    TIMEOUT,
  );
});
