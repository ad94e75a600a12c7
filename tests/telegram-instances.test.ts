import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createTelegramChannel, type TelegramConfig } from "../bot/telegram/channel.js";
import { lockPathOf } from "../bot/telegram/journal.js";
import { FAKE_BOT, type FakeTelegram, startFakeTelegram, updates } from "./fixtures/fake-telegram.js";
import { tempDir, testAssistant } from "./helpers.js";
import { forEachStore } from "./stores.js";

/**
 * Telegram's send journal when several instances share one database: each keeps its own file in its own state
 * folder (SHOUWANG_STATE_DIR), and only the holder of the Telegram lease runs the channel. A kill -9 mid-send is
 * made as in telegram-recovery.test.ts: the fake Bot API takes a sendMessage and never answers, and the journal's
 * lock is made to name a pid that is gone.
 */
type A = Awaited<ReturnType<typeof testAssistant>>;
const ONE_AT_A_TIME: TelegramConfig["throttle"] = { global: { maxConcurrent: 1 }, group: {}, out: {} };
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const channelOf = (assistant: A, fake: FakeTelegram, journalPath: string) => {
  const c = createTelegramChannel(assistant, {
    token: fake.token,
    apiRoot: fake.url,
    mode: "webhook",
    webhookSecret: "test_secret",
    throttle: ONE_AT_A_TIME,
    botInfo: FAKE_BOT,
    journalPath,
  });
  cleanups.push(() => c.stop(500));
  return c;
};

forEachStore(() => {
  describe("telegram send journal of one instance among several", () => {
    it("settles at its restart a reply on its way when it died, so the instance holding the lease does not send it again", async () => {
      const fake = await startFakeTelegram();
      cleanups.push(() => fake.close());
      const state = tempDir("shouwang-state-");
      cleanups.push(state.cleanup);
      const a = await testAssistant();
      cleanups.push(a.cleanup);
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
