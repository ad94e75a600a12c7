import { readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { chinaDay } from "../handoff/running-counts.js";
import { launchChromium, startTestServer } from "./browser-support.js";
import type { testAssistant } from "./helpers.js";
import { fileLive, importRows, letter, openCrisisCase, steadyStream } from "./stream-fixtures.js";

/**
 * The dashboard in a real browser (Debian's Chromium) on a phone-sized screen, against the real server: a
 * supervisor signs in at the console, opens the dashboard, sees the trend chart drawn by the bundled library,
 * today's spike and the cases behind it, crisis volume as "<5", the rates' definitions, downloads a table as CSV
 * and is told plainly when the range is empty.
 */
const TIMEOUT = 90_000;
let a: Awaited<ReturnType<typeof testAssistant>>;
let app: FastifyInstance;
let base: string;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
const external: string[] = [];

beforeAll(async () => {
  ({ a, app, base } = await startTestServer());
  await a.staff.add({
    username: "lead",
    password: "supervisor-pass",
    role: "supervisor",
    displayName: "赵督办",
  });
  const today = chinaDay(new Date());
  // Letters until yesterday, then eight about wages in 准格尔旗 this morning.
  await importRows(
    a,
    steadyStream([{ county: "回民区", category: "property-housing", perDay: 2 }], today, 70),
  );
  await importRows(
    a,
    Array.from({ length: 8 }, (_, i) =>
      letter(`w-${i}`, { county: "准格尔旗", category: "wage-arrears" }, today, i - 600),
    ),
  );
  await fileLive(a, {
    county: "松山区",
    category: "wage-arrears",
    what: "工地拖欠工资两个月",
    at: Date.now() - 60_000,
  });
  for (let i = 0; i < 3; i++) await openCrisisCase(a, Date.now() - (i + 1) * 60_000);
  await a.spikes.sweep(true);
  browser = await launchChromium();
  ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, acceptDownloads: true });
  page = await ctx.newPage();
  page.on("request", (r) => {
    if (!r.url().startsWith(base)) external.push(r.url());
  });
}, TIMEOUT);

afterAll(async () => {
  await ctx?.close();
  await browser?.close();
  app?.server.closeAllConnections();
  await app?.close();
  await a?.cleanup();
}, TIMEOUT);

it(
  "a supervisor reads the dashboard on a phone: chart, spike with its cases, suppressed crisis count, CSV",
  async () => {
    await page.goto(`${base}/console`);
    await page.locator("#lu").fill("lead");
    await page.locator("#lp").fill("supervisor-pass");
    await page.getByRole("button", { name: "登录" }).click();
    await page.locator("#toDashboard").click();
    await page.waitForURL(`${base}/console/dashboard`);

    // The chart is drawn by uPlot, served by us.
    await page.locator("#chart canvas").first().waitFor();
    const card = (label: string) => page.locator(".card", { hasText: label }).locator("b");
    expect(await card("危机个案").textContent()).toBe("<5");
    expect(await card("在线诉求").textContent()).toBe("1");
    expect(await card("突增预警").textContent()).toBe("1");
    await expect.poll(() => page.locator("#rates dl").textContent()).toContain("受理期限已过仍未受理");

    // The spike, and the cases behind it.
    const spike = page.locator("#spikeBody tr", { hasText: "准格尔旗" });
    expect(await spike.textContent()).toContain("拖欠工资");
    await spike.click();
    await page.locator("#drill").waitFor();
    expect(await page.locator("#drillTitle").textContent()).toContain("8 件");
    expect(await page.locator("#drillBody tr").count()).toBe(8);

    // Usable on a phone: nothing wider than the screen but the tables' own scrolling boxes.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);

    // CSV of the 旗县区 × category table.
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.locator("#cells a.csv").click(),
    ]);
    const csv = readFileSync((await download.path()) as string, "utf8");
    expect(csv.startsWith("\uFEFF盟市,旗县区,类别")).toBe(true);
    expect(csv).toContain("鄂尔多斯市,准格尔旗,拖欠工资（农民工欠薪）,0,8,8");

    // An empty range is refused with a clear message.
    await page.locator("#from").fill("2026-03-18");
    await page.locator("#to").fill("2026-03-01");
    await page.getByRole("button", { name: "查询" }).click();
    await expect.poll(() => page.locator("#msg").textContent()).toContain("日期范围为空");
    expect(external).toEqual([]);
  },
  TIMEOUT,
);
