/**
 * Campaign bench (part of `npm run bench`; alone: `npm run build && node --expose-gc dist/bench/campaigns.js`).
 *
 * BENCH_CAMPAIGN_N Telegram subscribers (default 100,000) get one campaign through the fake Bot API, which
 * enforces Telegram's limits scaled by BENCH_CAMPAIGN_SCALE (default 40): 30×scale messages in any second, one per
 * chat per second, retry_after honoured or counted as a breach. The bot's campaign budget is 25×scale messages/s
 * (Telegram's 25/s, scaled the same): about 100 s instead of 67 minutes at the real rate. A larger scale finishes
 * sooner but measures this machine's CPU (two cores, shared with the fake API) rather than the pacing.
 * Measured: the sustained rate between 10% and 45% of the recipients as a share of the budget; 429s; the
 * server's heap and RSS at 10%, 25% and 45% (after a GC); then kill -9 at 50%, a restart, and per chat at the
 * fake API: messages doubled and lost.
 */

import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildNlu, createAssistant, type NluBundle } from "../bot/assistant.js";
import { createLogger } from "../core/logger.js";
import { type FakeTelegram, startFakeTelegram } from "../tests/fixtures/fake-telegram.js";
import { exited, startChild } from "./child-process.js";

const N = Number(process.env.BENCH_CAMPAIGN_N ?? 100_000);
const SCALE = Number(process.env.BENCH_CAMPAIGN_SCALE ?? 40);
const BUDGET = 25 * SCALE;
const FIRST_CHAT = 800_000_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function memoryOf(proc: ChildProcess): Promise<{ rss: number; heap: number }> {
  return new Promise((resolve) => {
    const on = (m: unknown) => {
      const mem = (m as { mem?: { rss: number; heap: number } }).mem;
      if (!mem) return;
      proc.off("message", on);
      resolve(mem);
    };
    proc.on("message", on);
    proc.send("mem");
  });
}

/** Subscribers, two staff and one approved campaign, written before the server starts. */
async function prepare(dbPath: string, bundle: NluBundle): Promise<number> {
  const a = await createAssistant({ dbPath, nlu: bundle, logger: createLogger({ level: "silent" }) });
  try {
    const at = new Date().toISOString();
    await a.db.run(
      `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
       INSERT INTO subscribers (conversation_id, channel, place_asked, created_at, updated_at)
       SELECT 'tg:' || (? + i), 'telegram', 1, ?, ? FROM n`,
      [N, FIRST_CHAT, at, at],
    );
    await a.db.run(
      `INSERT INTO subscriber_topics (conversation_id, topic, since) SELECT conversation_id, 'anti_fraud', ? FROM subscribers`,
      [at],
    );
    await a.staff.add({ username: "bench-editor", password: "bench-password", role: "editor" });
    await a.staff.add({ username: "bench-admin", password: "bench-password", role: "admin" });
    const { campaign } = await a.campaigns.create(
      {
        title: "防范电信网络诈骗",
        body: "陌生来电自称公检法、客服，要你转账到“安全账户”的，一律是诈骗。遇到可疑情况请拨打 96110 咨询。",
        topics: ["反诈"],
        channels: ["telegram"],
        quietHours: null,
      },
      "bench-editor",
    );
    await a.campaigns.approve(campaign.id, "bench-admin");
    return campaign.id;
  } finally {
    await a.close();
  }
}

async function status(dbPath: string, bundle: NluBundle, id: number) {
  const a = await createAssistant({ dbPath, nlu: bundle, logger: createLogger({ level: "silent" }) });
  try {
    const s = await a.campaigns.status(id);
    const recovered = await a.db.get<{ n: number }>(
      "SELECT COUNT(*) AS n FROM campaign_deliveries WHERE campaign_id = ? AND note IS NOT NULL",
      [id],
    );
    return { ...s, recovered: recovered?.n ?? 0 };
  } finally {
    await a.close();
  }
}

function perChat(fake: FakeTelegram) {
  const got = new Uint8Array(N);
  let outside = 0;
  for (const m of fake.sent) {
    const i = m.chatId - FIRST_CHAT;
    if (i >= 0 && i < N) got[i] = Math.min(255, (got[i] ?? 0) + 1);
    else outside++;
  }
  let lost = 0;
  let doubled = 0;
  for (const n of got) {
    if (n === 0) lost++;
    if (n > 1) doubled += n - 1;
  }
  return { lost, doubled, outside };
}

export async function benchCampaigns(tmp: string, bundle: NluBundle, line: (s?: string) => void) {
  const dbPath = join(tmp, "campaign-bench.db");
  const id = await prepare(dbPath, bundle);
  const fake = await startFakeTelegram({ limits: { perSecond: 30 * SCALE, perChatPerSecond: 1 } });
  const env = { CB_DB: dbPath, CB_API_ROOT: fake.url, CB_TOKEN: fake.token, CB_RATE: String(BUDGET) };
  try {
    let child = startChild("campaign-child", env, ["--expose-gc"]);
    await child.ready;
    const memory: { at: string; rss: number; heap: number }[] = [];
    const marks = new Map<number, number>();
    for (const [share, label] of [
      [0.1, "10%"],
      [0.25, "25%"],
      [0.45, "45%"],
    ] as const) {
      await fake.waitFor(() => fake.sent.length >= N * share, 600_000);
      marks.set(share, fake.sent[Math.floor(N * share) - 1]?.at ?? Date.now());
      memory.push({ at: label, ...(await memoryOf(child.proc)) });
    }
    await fake.waitFor(() => fake.sent.length >= N * 0.5, 600_000);
    child.proc.kill("SIGKILL");
    await exited(child.proc);
    const atKill = fake.sent.length;
    child = startChild("campaign-child", env, ["--expose-gc"]);
    await child.ready;
    // Done when every chat has its message and nothing more arrives for a while.
    const deadline = Date.now() + 600_000;
    let last = -1;
    let still = 0;
    while (Date.now() < deadline) {
      if (fake.sent.length === last && perChat(fake).lost === 0) {
        if (++still >= 20) break;
      } else still = 0;
      last = fake.sent.length;
      await sleep(100);
    }
    child.proc.kill("SIGTERM");
    await exited(child.proc);
    const t10 = marks.get(0.1) ?? 0;
    const t45 = marks.get(0.45) ?? 0;
    const rate = (N * 0.35) / ((t45 - t10) / 1000);
    const counts = perChat(fake);
    const s = await status(dbPath, bundle, id);
    const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
    line(
      `${N} Telegram subscribers, one campaign; fake Bot API limits scaled x${SCALE}: ${30 * SCALE} msg/s overall, 1/s per chat; campaign budget ${BUDGET} msg/s (25/s x${SCALE})`,
    );
    line(
      `sustained rate 10%-45%: ${rate.toFixed(0)} msg/s = ${(rate / BUDGET).toFixed(3)} of the budget (goal >= 0.95); 429s from the fake: ${fake.rejected.get("sendMessage") ?? 0} (breaches counted by the fake: ${fake.limitViolations()}; goal 0)`,
    );
    line(
      `server memory after GC, heap / RSS: ${memory.map((m) => `${m.at} ${mb(m.heap)} / ${mb(m.rss)} MB`).join(", ")}; heap at 45% = ${((memory[2]?.heap ?? 0) / (memory[0]?.heap ?? 1)).toFixed(2)}x heap at 10% (flat: about 1)`,
    );
    line(
      `kill -9 at ${((atKill / N) * 100).toFixed(1)}% (${atKill} sent), restart: doubled ${counts.doubled}, lost ${counts.lost} (goal 0 / 0); settled from the send journal after the restart: ${s.recovered}; final status ${s.state}: sent ${s.sent}, failed ${s.failed}, skipped ${s.skipped}`,
    );
  } finally {
    await fake.close();
  }
}

// Run alone: node --expose-gc dist/bench/campaigns.js
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const tmp = mkdtempSync(join(tmpdir(), "shouwang-campaign-bench-"));
  const out = (s = "") => process.stdout.write(`${s}\n`);
  benchCampaigns(tmp, buildNlu({ modelCacheDir: join(tmp, "cache") }), out)
    .catch((e) => {
      console.error(e);
      process.exitCode = 1;
    })
    .finally(() => rmSync(tmp, { recursive: true, force: true }));
}
