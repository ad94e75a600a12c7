import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { Update } from "grammy/types";
import { afterEach, describe, expect, it } from "vitest";
import { buildServer } from "../bot/server.js";
import { createTelegramChannel, type TelegramChannel, type TelegramConfig } from "../bot/telegram/channel.js";
import { lockPathOf } from "../bot/telegram/journal.js";
import { FAKE_BOT, type FakeTelegram, startFakeTelegram, updates } from "./fixtures/fake-telegram.js";
import { onDutyCounselor, tempDir, testAssistant } from "./helpers.js";
import { forEachStore } from "./stores.js";

/**
 * Telegram's send journal when several instances share one database: each keeps its own file in its own state
 * folder (SHOUWANG_STATE_DIR), and only the holder of the Telegram lease runs the channel. A kill -9 mid-send is
 * made as in telegram-recovery.test.ts: the fake Bot API takes a sendMessage and never answers, and the journal's
 * lock is made to name a pid that is gone.
 *
 * The lease itself is played by the tests, as main.ts's whileHeld plays it: `start()` when this instance gains it,
 * `stop()` when it loses it, `start()` again when it comes back.
 */
type A = Awaited<ReturnType<typeof testAssistant>>;
const ONE_AT_A_TIME: TelegramConfig["throttle"] = { global: { maxConcurrent: 1 }, group: {}, out: {} };
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const channelOf = (
  assistant: A,
  fake: FakeTelegram,
  journalPath: string,
  extra: Partial<TelegramConfig> = {},
) => {
  const c = createTelegramChannel(assistant, {
    token: fake.token,
    apiRoot: fake.url,
    mode: "webhook",
    webhookSecret: "test_secret",
    throttle: ONE_AT_A_TIME,
    botInfo: FAKE_BOT,
    journalPath,
    pollTimeoutSeconds: 1,
    ...extra,
  });
  cleanups.push(() => c.stop(500));
  return c;
};

async function webhookOf(assistant: A, channel: TelegramChannel): Promise<FastifyInstance> {
  if (!channel.webhookPlugin) throw new Error("no webhook plugin");
  const app = await buildServer(assistant, { plugins: [channel.webhookPlugin] });
  cleanups.push(() => app.close());
  return app;
}

/** Telegram delivering one update to an instance's webhook: the status it gets back. */
const deliver = async (app: FastifyInstance, update: Update) =>
  (
    await app.inject({
      method: "POST",
      url: "/telegram/webhook",
      headers: { "x-telegram-bot-api-secret-token": "test_secret" },
      payload: update as object,
    })
  ).statusCode;

const CRISIS = "我真的撑不下去了，不想活了";
const STAFF_REPLY = "我是王老师，我在这里陪你";
const hotlines = (fake: FakeTelegram, chat: number) =>
  fake.sentTo(chat).filter((s) => s.text.includes("12356"));
const staffReplies = (fake: FakeTelegram, chat: number) =>
  fake.sentTo(chat).filter((s) => s.text.includes(STAFF_REPLY));

/** The counselor takes the crisis case and writes to the citizen, from whichever instance they work on. */
async function counselorReplies(assistant: A) {
  const wang = (await assistant.staff.find("wang")) ?? (await onDutyCounselor(assistant));
  const [open] = await assistant.handoff.queue(wang);
  const caseId = open?.id as string;
  await assistant.handoff.claim(caseId, wang);
  await assistant.handoff.reply(caseId, wang, STAFF_REPLY);
}

/** A fake Bot API, a folder for the instances' send journals and the first instance's assistant, cleaned up after. */
async function firstInstance() {
  const fake = await startFakeTelegram();
  cleanups.push(() => fake.close());
  const state = tempDir("shouwang-state-");
  cleanups.push(state.cleanup);
  const a = await testAssistant();
  cleanups.push(a.cleanup);
  return { fake, state, a };
}

forEachStore((store) => {
  describe("telegram channel when the Telegram lease comes and goes", () => {
    it("runs again when the lease comes back: what waited is answered once, then what comes next, and a staff reply queued meanwhile is delivered once", async () => {
      const { fake, state, a } = await firstInstance();
      await onDutyCounselor(a);
      const channel = channelOf(a, fake, join(state.dir, "telegram-sends-3000"), { mode: "polling" });
      const crisisChat = 9701;
      const chat = 9702;

      await channel.start();
      fake.queueUpdates(updates.text(crisisChat, CRISIS));
      await fake.waitFor(() => hotlines(fake, crisisChat).length === 1);

      // The lease is lost. A message and a counselor's reply now wait for whichever instance holds it.
      await channel.stop();
      await counselorReplies(a);
      fake.queueUpdates(updates.text(chat, "征地补偿标准怎么定"));
      expect(fake.sentTo(chat)).toEqual([]);
      expect(staffReplies(fake, crisisChat)).toEqual([]);

      // The lease comes back to this instance.
      await channel.start();
      const [answer] = await fake.waitFor(() => fake.sentTo(chat).length === 1 && fake.sentTo(chat));
      expect(answer?.text).toMatch(/【法律依据】/);
      await fake.waitFor(() => staffReplies(fake, crisisChat).length === 1);
      fake.queueUpdates(updates.text(chat, "拖欠工资怎么办"));
      await fake.waitFor(() => fake.sentTo(chat).length === 2);

      // Settled: nothing left to send, so nothing more can come.
      await fake.waitFor(() => fake.unconfirmed() === 0);
      await channel.idle();
      await channel.stop();
      expect(fake.sentTo(chat)).toHaveLength(2);
      expect(staffReplies(fake, crisisChat)).toHaveLength(1);
      expect(hotlines(fake, crisisChat)).toHaveLength(1);
    });

    // Two instances sharing one database is a PostgreSQL deployment (on SQLite, one process owns the file).
    if (store.kind === "postgres")
      it("passes the lease A → B → A: the holder answers, the others send Telegram away, and nothing waits or doubles", async () => {
        const { fake, state, a } = await firstInstance();
        const b = await testAssistant({ dbPath: a.target });
        cleanups.push(b.cleanup);
        await onDutyCounselor(a);
        let holder: "a" | "b" | undefined = "a";
        const channelA = channelOf(a, fake, join(state.dir, "instance-a", "telegram-sends-3000"), {
          runsHere: () => holder === "a",
        });
        const channelB = channelOf(b, fake, join(state.dir, "instance-b", "telegram-sends-3000"), {
          runsHere: () => holder === "b",
        });
        const [appA, appB] = [await webhookOf(a, channelA), await webhookOf(b, channelB)];
        const crisisChat = 9711;
        const chat = 9712;

        await channelA.start();
        expect(await deliver(appA, updates.text(crisisChat, CRISIS))).toBe(200);
        await channelA.idle();
        expect(hotlines(fake, crisisChat)).toHaveLength(1);

        // A loses the lease to B.
        holder = "b";
        await channelA.stop();
        await channelB.start();
        const second = updates.text(chat, "征地补偿标准怎么定");
        expect(await deliver(appA, second)).toBe(503);
        expect(await deliver(appB, second)).toBe(200);
        await channelB.idle();
        expect(fake.sentTo(chat)).toHaveLength(1);

        // B loses it too, and in the moment nobody holds it a counselor on B replies and a citizen writes.
        holder = undefined;
        await channelB.stop();
        await counselorReplies(b);
        const third = updates.text(chat, "拖欠工资怎么办");
        expect(await deliver(appA, third)).toBe(503);
        expect(await deliver(appB, third)).toBe(503);
        expect(fake.sentTo(chat)).toHaveLength(1);
        expect(staffReplies(fake, crisisChat)).toEqual([]);

        // A takes the lease back; Telegram delivers the refused update again.
        holder = "a";
        await channelA.start();
        expect(await deliver(appA, third)).toBe(200);
        await channelA.idle();
        await fake.waitFor(() => staffReplies(fake, crisisChat).length === 1);
        expect(await deliver(appA, updates.text(chat, "怎么申请劳动仲裁"))).toBe(200);
        await channelA.idle();

        await channelA.stop();
        expect(fake.sentTo(chat)).toHaveLength(3);
        expect(staffReplies(fake, crisisChat)).toHaveLength(1);
        expect(hotlines(fake, crisisChat)).toHaveLength(1);
      });
  });

  describe("telegram send journal of one instance among several", () => {
    it("settles at its restart a reply on its way when it died, so the instance holding the lease does not send it again", async () => {
      const { fake, state, a } = await firstInstance();
      const own = join(state.dir, "instance-a", "telegram-sends-3000");
      const u = updates.text(9630, "征地补偿标准怎么定");
      const chat = u.message?.chat.id as number;

      const dying = channelOf(a, fake, own);
      await dying.start();
      fake.stallNext("sendMessage", 1);
      await dying.accept([u]);
      await fake.waitFor(() => fake.sentTo(chat).length === 1);
      const gone = spawnSync(process.execPath, ["-e", ""]).pid;
      writeFileSync(lockPathOf(own), `${gone} ${hostname()} killed\n`);

      // Back up while another instance holds the Telegram lease: it settles its own journal and runs nothing.
      await channelOf(a, fake, own).recover();
      const sends = await a.db.all<{ note: string | null }>(
        "SELECT note FROM telegram_sends WHERE update_id = ?",
        [u.update_id],
      );
      expect(sends.map((s) => s.note)).toEqual([expect.stringMatching(/in flight/)]);

      // The lease holder, with a journal of its own, finishes the update without sending the reply a second time.
      const b = await testAssistant({ dbPath: a.target });
      cleanups.push(b.cleanup);
      const holder = channelOf(b, fake, join(state.dir, "instance-b", "telegram-sends-3000"));
      await holder.start();
      await holder.idle();
      expect(await a.db.all("SELECT update_id FROM telegram_updates WHERE processed_at IS NULL")).toEqual([]);
      expect(fake.sentTo(chat)).toHaveLength(1);
    });
  });
});
