import type { FastifyInstance } from "fastify";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conversationTopic } from "../core/live-hub.js";
import { STAFF_TOPIC } from "../handoff/case-paging.js";
import { launchChromium, startTestServer } from "./browser-support.js";
import type { testAssistant } from "./helpers.js";

/**
 * The two web pages driven in a real browser (Debian's Chromium, through playwright-core) against the real
 * server: the citizen chat and the staff console, including a crisis handed to a counselor end to end.
 */
const TIMEOUT = 60_000;

let a: Awaited<ReturnType<typeof testAssistant>>;
let app: FastifyInstance;
let browser: Browser;
let base: string;

beforeAll(async () => {
  ({ a, app, base } = await startTestServer());
  await a.staff.add({
    username: "counselor1",
    password: "correct horse 1",
    role: "counselor",
    displayName: "小王",
    shifts: ["mon-sun 00:00-24:00"],
  });
  browser = await launchChromium();
}, TIMEOUT);

afterAll(async () => {
  // The browser first: its open event streams would otherwise keep the server from closing.
  await browser?.close();
  app?.server.closeAllConnections();
  await app?.close();
  await a?.cleanup();
}, TIMEOUT);

/** Sends a message on the citizen page and waits until the server has answered it. */
async function citizenSays(page: Page, text: string) {
  await page.locator("#t").fill(text);
  const answered = page.waitForResponse(
    (r) => r.url().endsWith("/api/chat") && r.request().method() === "POST",
  );
  await page.getByRole("button", { name: "发送" }).click();
  expect((await answered).status()).toBe(200);
  await expect.poll(() => page.locator(".msg.citizen.pending").count()).toBe(0);
}

describe("web pages in a browser", () => {
  it(
    "web chat: answers a policy question with its legal basis and keeps the conversation across a reload",
    async () => {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.goto(`${base}/`);
        const question = "申请劳动仲裁需要什么材料";
        await citizenSays(page, question);
        await page.locator(".msg.bot", { hasText: "依据" }).first().waitFor();

        await page.reload();
        await page.locator(".msg.citizen", { hasText: question }).waitFor();
        await page.locator(".msg.bot", { hasText: "依据" }).first().waitFor();
        // Restored from the server, not re-sent: one question, and no welcome message in front of it.
        expect(await page.locator(".msg.citizen").count()).toBe(1);
        expect(await page.locator(".msg").first().textContent()).toBe(question);
      } finally {
        await context.close();
      }
    },
    TIMEOUT,
  );

  it(
    "web chat: a question for an office's number names the citizen's own office, with calm call buttons for its hotline",
    async () => {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.goto(`${base}/`);
        await citizenSays(page, "我在达拉特旗，劳动监察大队电话多少");
        await page.locator(".msg.bot", { hasText: "达拉特旗人力资源和社会保障局劳动保障监察大队" }).waitFor();
        const calls = page.locator(".calls.plain a");
        expect(await calls.evaluateAll((as) => as.map((x) => x.getAttribute("href")))).toEqual([
          "tel:12333",
          "tel:12345",
        ]);
        for (const box of await calls.evaluateAll((as) => as.map((x) => x.getBoundingClientRect().height)))
          expect(box).toBeGreaterThanOrEqual(44);
        // Not the red of the crisis reply's buttons.
        const colours = await calls.evaluateAll((as) => as.map((x) => getComputedStyle(x).backgroundColor));
        for (const c of colours) expect(c).not.toMatch(/rgb\((?:192|163), (?:57|38), (?:43|26)\)/);
      } finally {
        await context.close();
      }
    },
    TIMEOUT,
  );

  it(
    "crisis: the counselor sees the case live, claims it and replies; the bot stays silent meanwhile",
    async () => {
      const staffCtx = await browser.newContext();
      const citizenCtx = await browser.newContext();
      try {
        // The counselor is on duty before the crisis arrives, so the case must appear live.
        const console_ = await staffCtx.newPage();
        await console_.goto(`${base}/console`);
        await console_.locator("#lu").fill("counselor1");
        await console_.locator("#lp").fill("correct horse 1");
        await console_.getByRole("button", { name: "登录" }).click();
        await console_.locator("#queue .sec").first().waitFor();
        expect(await console_.locator("#queue .case").count()).toBe(0);
        // Its event stream is connected, so what follows arrives live rather than through a refetch.
        await expect.poll(() => a.live.listeners(STAFF_TOPIC)).toBeGreaterThan(0);

        const citizen = await citizenCtx.newPage();
        await citizen.goto(`${base}/`);
        await citizen.locator(".msg.bot").first().waitFor();
        const crisis = "我不想活了，药都准备好了";
        const before = await citizen.locator(".msg.bot").count();
        await citizenSays(citizen, crisis);
        await citizen.locator(".msg.bot", { hasText: "12356" }).first().waitFor();
        // One coherent reply: a counselor is online (this console), so it says one is being called, once.
        expect(await citizen.locator(".msg.bot").count()).toBe(before + 1);
        const reply = citizen.locator(".msg.bot").last();
        expect(await reply.textContent()).toContain("正在为你联系心理咨询师");
        expect(await reply.textContent()).not.toContain("没有心理咨询师在线");
        // 120, 110 and 12356 as large call buttons right under it (imminent: 120 first); no menu or complaint chips.
        const calls = citizen.locator(".calls a");
        expect(await calls.evaluateAll((as) => as.map((x) => x.getAttribute("href")))).toEqual([
          "tel:120",
          "tel:110",
          "tel:12356",
        ]);
        for (const box of await calls.evaluateAll((as) => as.map((x) => x.getBoundingClientRect().height)))
          expect(box).toBeGreaterThanOrEqual(44);
        expect(
          await citizen.evaluate(() => document.querySelector("#log")?.lastElementChild?.className),
        ).toBe("calls");
        const botBubbles = await citizen.locator(".msg.bot").count();
        const conversationId = await citizen.evaluate(() => localStorage.getItem("shouwang.conversationId"));
        expect(conversationId).toBeTruthy();
        await expect.poll(() => a.live.listeners(conversationTopic(conversationId ?? ""))).toBeGreaterThan(0);

        // The queue updates over the event stream: red, on top, marked imminent, with an audible page.
        await console_.locator("#queue .case", { hasText: crisis }).waitFor();
        const row = console_.locator("#queue .case").first();
        expect(await row.locator(".first").textContent()).toBe(crisis);
        expect(await row.getAttribute("class")).toContain("r-imminent");
        expect(await row.locator(".tag").first().textContent()).toBe("紧急");
        expect(await row.locator(".wait").textContent()).toMatch(/^\d{2,}:\d{2}$/);
        await expect
          .poll(() => console_.evaluate(() => Number(document.body.dataset.beeps ?? 0)))
          .toBeGreaterThan(0);

        await row.getByRole("button", { name: "认领" }).click();
        await console_.locator("#fReply").waitFor();
        // The citizen's message carries the detector's mark in the transcript.
        await console_.locator("#transcript .m.citizen.rk-imminent", { hasText: crisis }).waitFor();
        // The detector's reasons in plain Chinese, not its codes.
        const marks = await console_
          .locator("#transcript .m.citizen.rk-imminent .risk")
          .first()
          .textContent();
        expect(marks).toContain("触发：");
        expect(marks).not.toMatch(/lexicon:|model:/);
        await console_.locator("#timeline li", { hasText: "认领 · counselor1" }).waitFor();

        const staffText = "我是值班咨询师小王，我在这里陪你。你现在安全吗？";
        await console_.locator("#tReply").fill(staffText);
        await console_.locator("#fReply").getByRole("button", { name: "发送" }).click();
        await console_.locator("#transcript .m.staff", { hasText: staffText }).waitFor();

        // The claim told the citizen who joined; the reply is pushed to the open page, signed with name and role.
        await citizen.locator(".msg.bot", { hasText: "小王（心理咨询师）已接入" }).waitFor();
        await citizen.locator(".msg.staff", { hasText: staffText }).waitFor();
        expect(await citizen.locator(".msg.staff .who").textContent()).toBe("小王（心理咨询师）");
        expect(await citizen.locator(".msg.bot").count()).toBe(botBubbles + 1);
        expect(await citizen.locator(".msg.staff").count()).toBe(1);

        // While the counselor holds the case, the citizen's next message gets no bot reply ...
        const next = "谢谢你陪我说话，我现在在家里";
        await citizenSays(citizen, next);
        expect(await citizen.locator(".msg.bot").count()).toBe(botBubbles + 1);
        expect(await citizen.locator(".msg.staff").count()).toBe(1);
        // ... and shows up in the counselor's open case view.
        await console_.locator("#transcript .m.citizen", { hasText: next }).waitFor();
        expect(await citizen.locator(".msg.bot").count()).toBe(botBubbles + 1);

        // Resolved: the citizen gets a closing word with the numbers; the counselor finds it among their own.
        const me = (await a.staff.list()).find((x) => x.username === "counselor1");
        const [held] = await a.handoff.queue(me as NonNullable<typeof me>);
        await a.handoff.resolve(
          held?.id as string,
          me as NonNullable<typeof me>,
          "已疏导",
          "已确认在家，家人陪同",
        );
        await citizen.locator(".msg.bot", { hasText: "这次对话先到这里" }).waitFor();
        await console_.reload();
        await console_.locator("#queue .sec", { hasText: "我最近结案" }).waitFor();
        await console_.locator("#queue .case", { hasText: crisis }).waitFor();
      } finally {
        await citizenCtx.close();
        await staffCtx.close();
      }
    },
    TIMEOUT,
  );

  it(
    "crisis with no counselor reachable: one honest reply, never a promise taken back",
    async () => {
      // No console open now (the counselor above is on shift but not connected): nobody can answer.
      await expect.poll(() => a.live.listeners(STAFF_TOPIC)).toBe(0);
      const citizenCtx = await browser.newContext();
      try {
        const citizen = await citizenCtx.newPage();
        await citizen.goto(`${base}/`);
        await citizen.locator(".msg.bot").first().waitFor();
        const before = await citizen.locator(".msg.bot").count();
        await citizenSays(citizen, "活着真的没意思，我想结束这一切");
        await citizen.locator(".msg.bot", { hasText: "12356" }).first().waitFor();
        expect(await citizen.locator(".msg.bot").count()).toBe(before + 1);
        const text = (await citizen.locator(".msg.bot").last().textContent()) ?? "";
        expect(text).toContain("暂时没有心理咨询师在线");
        expect(text).not.toContain("正在为你联系");
        // Not imminent: the psychological line first.
        expect(await citizen.locator(".calls a").first().getAttribute("href")).toBe("tel:12356");
      } finally {
        await citizenCtx.close();
      }
    },
    TIMEOUT,
  );

  it("the console refuses anonymous access", async () => {
    const queue = await fetch(`${base}/console/api/queue`);
    expect(queue.status).toBe(401);
    expect(((await queue.json()) as { message: string }).message).toBeTruthy();
    const page = await fetch(`${base}/console`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("工作人员登录");
  });
});
