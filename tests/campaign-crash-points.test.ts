import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../store/db.js";
import { type FakeTelegram, startFakeTelegram } from "./fixtures/fake-telegram.js";
import { tempDir, testAssistant } from "./helpers.js";

/**
 * A campaign's Telegram sends killed (SIGKILL, from inside: bot/telegram/crash.ts) at each step of a send, then
 * the server started again on the same database and send journal: every subscriber must have the campaign exactly
 * once at the fake Bot API, and the campaign must finish with every recipient counted as sent.
 */
const CHILD = fileURLToPath(new URL("../bench/campaign-child.ts", import.meta.url));
const CHATS = Array.from({ length: 8 }, (_, i) => 7_700_000 + i);
// Never left (sent again), on the wire unanswered (taken as delivered), answered but not recorded (recorded).
const POINTS = ["send:after-L@3", "send:written@3", "send:after-A@3"] as const;

const dirs = tempDir("shouwang-campaign-crash-");
let fake: FakeTelegram;
beforeAll(async () => {
  fake = await startFakeTelegram();
});
afterAll(async () => {
  await fake?.close();
  dirs.cleanup();
});

function startChild(db: string, crashAt?: string) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CB_DB: db,
    CB_API_ROOT: fake.url,
    CB_TOKEN: fake.token,
    CB_RATE: "40",
  };
  delete env.SHOUWANG_TELEGRAM_CRASH_AT;
  if (crashAt) env.SHOUWANG_TELEGRAM_CRASH_AT = crashAt;
  const proc: ChildProcess = spawn(process.execPath, ["--import", "tsx", CHILD], {
    env,
    stdio: ["ignore", "pipe", "inherit", "ipc"],
  });
  const exit = new Promise<NodeJS.Signals | number | null>((resolve) =>
    proc.once("exit", (code, signal) => resolve(signal ?? code)),
  );
  return { proc, exit };
}

/** Subscribers on Telegram and one approved campaign, written before the server starts. */
async function prepare(db: string, chats: readonly number[]): Promise<number> {
  const a = await testAssistant({ dir: db });
  try {
    for (const chat of chats)
      await a.subscriptions.subscribe({
        conversationId: `tg:${chat}`,
        channel: "telegram",
        topics: ["anti_fraud"],
        wording: "test",
        at: new Date().toISOString(),
      });
    await a.staff.add({ username: "zhao", password: "zhao-password-1", role: "editor" });
    await a.staff.add({ username: "qian", password: "qian-password-1", role: "admin" });
    const { campaign } = await a.campaigns.create(
      { title: "防范电信诈骗", body: "陌生来电让转账，一律是诈骗。", topics: ["反诈"], quietHours: null },
      "zhao",
    );
    await a.campaigns.approve(campaign.id, "qian");
    return campaign.id;
  } finally {
    await a.close();
  }
}

describe("a campaign on Telegram killed at each step of a send", () => {
  for (const [n, point] of POINTS.entries()) {
    it(`${point}: after a restart every subscriber has it exactly once`, async () => {
      const dir = join(dirs.dir, `p${n}`);
      const chats = CHATS.map((c) => c + n * 100);
      const id = await prepare(dir, chats);
      const crashed = startChild(join(dir, "test.db"), point);
      expect(await crashed.exit).toBe("SIGKILL");
      const before = chats.reduce((k, c) => k + fake.sentTo(c).length, 0);
      expect(before).toBeLessThan(chats.length);
      const again = startChild(join(dir, "test.db"));
      await fake.waitFor(() => chats.every((c) => fake.sentTo(c).length >= 1), 30_000);
      const db = await openDatabase(join(dir, "test.db"));
      try {
        for (let i = 0; i < 200; i++) {
          const c = await db.get<{ state: string }>("SELECT state FROM campaigns WHERE id = ?", [id]);
          if (c?.state === "done") break;
          await new Promise((r) => setTimeout(r, 50));
        }
      } finally {
        await db.close();
      }
      again.proc.kill("SIGTERM");
      expect(await again.exit).toBe(0);
      for (const c of chats) expect(fake.sentTo(c), `chat ${c}`).toHaveLength(1);
      const a = await testAssistant({ dir });
      try {
        expect(await a.campaigns.status(id)).toMatchObject({ state: "done", sent: chats.length, failed: 0 });
      } finally {
        await a.close();
      }
    }, 60_000);
  }
});
