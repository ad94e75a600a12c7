import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import type { Update } from "grammy/types";
import { afterEach, describe, expect, it } from "vitest";
import { createTelegramChannel, type TelegramChannel, type TelegramConfig } from "../bot/telegram/channel.js";
import { JournalLocked, journalPathOf, lockPathOf, openSendJournal } from "../bot/telegram/journal.js";
import { FAKE_BOT, type FakeTelegram, startFakeTelegram, updates } from "./fixtures/fake-telegram.js";
import { onDutyCounselor, testAssistant } from "./helpers.js";

/**
 * A kill -9 mid-send, as Telegram and the disk see it: the fake Bot API takes a sendMessage and never answers
 * (`stallNext`), so the first channel never commits its confirmation; a second channel is then started on the
 * same database and send journal, as a restarted process would be. The first one stays frozen, like the dead
 * process, until the test is over, and its journal lock is made to name a pid that is gone (`kill`).
 */
type A = Awaited<ReturnType<typeof testAssistant>>;
/** The throttler stays in the path, one request at a time overall, without Telegram's per-chat pauses. */
const ONE_AT_A_TIME: TelegramConfig["throttle"] = { global: { maxConcurrent: 1 }, group: {}, out: {} };

let fake: FakeTelegram | undefined;
let a: A | undefined;
const channels: TelegramChannel[] = [];

afterEach(async () => {
  for (const c of channels.splice(0).reverse()) await c.stop(500);
  await fake?.close();
  fake = undefined;
  await a?.cleanup();
  a = undefined;
});

async function channel(
  assistant: A,
  fakeApi: FakeTelegram,
  throttle = ONE_AT_A_TIME,
  extra: Partial<TelegramConfig> = {},
) {
  const c = createTelegramChannel(assistant, {
    token: fakeApi.token,
    apiRoot: fakeApi.url,
    mode: "webhook",
    webhookSecret: "test_secret",
    throttle,
    botInfo: FAKE_BOT,
    ...extra,
  });
  channels.push(c);
  await c.start();
  return c;
}

const journalOf = (assistant: A) => journalPathOf(assistant.db.path) as string;

/** A pid no process has any more, as a kill -9 leaves in the lock file. */
const deadPid = () => spawnSync(process.execPath, ["-e", ""]).pid;

/** The frozen channel's process "dies": its lock now names a pid that is gone, as after a real kill -9. */
function kill(assistant: A) {
  writeFileSync(lockPathOf(journalOf(assistant)), `${deadPid()} ${hostname()} killed\n`);
}

/** Starts a channel, gives it `first`, and "kills" it once Telegram has taken that update's first message. */
async function dieWhileSending(first: Update, ...more: Update[]) {
  fake = await startFakeTelegram();
  a = await testAssistant();
  const dead = await channel(a, fake);
  const chat = first.message?.chat.id as number;
  fake.stallNext("sendMessage", 1);
  await dead.accept([first]);
  const f = fake;
  await f.waitFor(() => f.sentTo(chat).length === 1);
  if (more.length > 0) await dead.accept(more);
  return { fake: f, a, chat };
}

const sendsOf = (assistant: A, updateId: number) =>
  assistant.db.all<{ seq: number; message_id: number | null; note: string | null }>(
    "SELECT seq, message_id, note FROM telegram_sends WHERE update_id = ? ORDER BY seq",
    [updateId],
  );

const unprocessed = async (assistant: A) =>
  (await assistant.db.all("SELECT update_id FROM telegram_updates WHERE processed_at IS NULL")).length;

describe("telegram restart after a kill mid-send (send journal)", () => {
  it("does not send again an ordinary reply that was on its way when the process died", async () => {
    const u = updates.text(9601, "征地补偿标准怎么定");
    const { fake, a, chat } = await dieWhileSending(u);
    // What the dead process left: the turn stored, the reply journaled as leaving, no confirmation.
    expect(await sendsOf(a, u.update_id)).toEqual([]);
    // Journaled as leaving, then as on the wire once the request was all in the kernel.
    expect(readFileSync(journalOf(a), "utf8")).toContain(`L t:${u.update_id}:0 -\nW t:${u.update_id}:0\n`);

    kill(a);
    const restarted = await channel(a, fake);
    await restarted.idle();
    expect(await unprocessed(a)).toBe(0);
    expect(fake.sentTo(chat)).toHaveLength(1);
    expect(fake.sentTo(chat)[0]?.text).toMatch(/【法律依据】/);
    const [row] = await sendsOf(a, u.update_id);
    expect(row?.message_id).toBeNull();
    expect(row?.note).toMatch(/in flight/);
  });

  it("sends again a crisis reply that was on its way when the process died", async () => {
    const u = updates.text(9602, "我真的撑不下去了，不想活了");
    const { fake, a, chat } = await dieWhileSending(u);
    const hotline = fake.sentTo(chat)[0]?.text ?? "";
    expect(hotline).toContain("12356");
    expect(readFileSync(journalOf(a), "utf8")).toContain(`L t:${u.update_id}:0 !\nW t:${u.update_id}:0\n`);

    kill(a);
    const restarted = await channel(a, fake);
    await fake.waitFor(() => fake.sentTo(chat).filter((m) => m.text === hotline).length === 2);
    await restarted.idle();
    expect(await unprocessed(a)).toBe(0);
    // Sent twice rather than risk never: the second copy is the one the bot saw confirmed.
    const [row] = await sendsOf(a, u.update_id);
    expect(row?.message_id).toEqual(expect.any(Number));
    expect(row?.note).toBeNull();
  });

  it("sends after a restart replies that never left: waiting in the throttler, or refused by Telegram", async () => {
    const held = updates.text(9604, "拖欠工资怎么办");
    // The first reply stalls; the next one waits behind it in the throttler, so it is stored but never journaled.
    const { fake, a, chat } = await dieWhileSending(updates.text(9603, "征地补偿标准怎么定"), held);
    for (let i = 0; i < 200; i++) {
      if ((await a.conversations.transcript("tg:9604")).some((e) => e.type === "reply")) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 50));
    expect((await a.conversations.transcript("tg:9604")).some((e) => e.type === "reply")).toBe(true);
    expect(fake.sentTo(9604)).toHaveLength(0);
    const journal = readFileSync(journalPathOf(a.db.path) as string, "utf8");
    expect(journal).not.toContain(`t:${held.update_id}:`);

    kill(a);
    const restarted = await channel(a, fake);
    // Telegram refuses the first try (429): journaled as refused, so a restart must still count it unsent.
    fake.failNext("sendMessage", 1, 1);
    await fake.waitFor(() => fake.sentTo(9604).length === 1);
    await restarted.idle();
    expect(fake.rejected.get("sendMessage")).toBe(1);
    expect(fake.sentTo(chat)).toHaveLength(1);
    expect(await unprocessed(a)).toBe(0);
  });

  it("sends again a journaled reply Telegram refused, when the process died before retrying it", async () => {
    fake = await startFakeTelegram();
    a = await testAssistant();
    const f = fake;
    const dead = await channel(a, f);
    const u = updates.text(9605, "征地补偿标准怎么定");
    // retry_after 30 s: auto-retry is still waiting when the process dies.
    f.failNext("sendMessage", 1, 30);
    await dead.accept([u]);
    const path = journalPathOf(a.db.path) as string;
    // The refusal is journaled once grammY has read Telegram's answer.
    await f.waitFor(() => readFileSync(path, "utf8").includes(`R t:${u.update_id}:0\n`));
    expect(readFileSync(path, "utf8")).toBe(
      `L t:${u.update_id}:0 -\nW t:${u.update_id}:0\nR t:${u.update_id}:0\n`,
    );
    expect(f.rejected.get("sendMessage")).toBe(1);

    kill(a);
    const restarted = await channel(a, f);
    await f.waitFor(() => f.sentTo(9605).length === 1);
    await restarted.idle();
    expect(await unprocessed(a)).toBe(0);
  });

  it("records with its message_id, and does not resend, a crisis reply Telegram answered before the kill", async () => {
    fake = await startFakeTelegram();
    a = await testAssistant();
    // The on-disk state of a kill between Telegram's answer and the commit: the turn is stored, the journal
    // holds the answer, telegram_sends does not.
    const dead = createTelegramChannel(a, { token: fake.token, apiRoot: fake.url, mode: "polling" });
    channels.push(dead);
    const u = updates.text(9606, "我不想活了");
    await dead.accept([u]);
    const turn = await a.engine.handleMessage({
      channel: "telegram",
      conversationId: "tg:9606",
      messageId: String(u.update_id),
      text: "我不想活了",
    });
    expect(turn.risk).toMatch(/high|imminent/);
    const written = openSendJournal(journalPathOf(a.db.path));
    const tag = { kind: "turn", updateId: u.update_id, seq: 0, resend: true } as const;
    written.leaving(tag);
    written.accepted(tag, 4242);
    written.close();

    const restarted = await channel(a, fake);
    await restarted.idle();
    const first = turn.replies[0]?.text ?? "";
    expect(fake.sentTo(9606).some((m) => m.text === first)).toBe(false);
    const [row] = await sendsOf(a, u.update_id);
    expect(row?.message_id).toBe(4242);
    expect(row?.note).toMatch(/accepted/);
    // Settled in SQLite, the journal starts afresh.
    expect(existsSync(journalPathOf(a.db.path) as string)).toBe(true);
    expect(readFileSync(journalPathOf(a.db.path) as string, "utf8")).not.toContain(`t:${u.update_id}:0`);
  });

  it("treats a counselor's message like a crisis reply only while the conversation has an open crisis case", async () => {
    fake = await startFakeTelegram();
    a = await testAssistant();
    const f = fake;
    const wang = await onDutyCounselor(a);
    // No throttler here, so both messages below are in flight at once when the process dies.
    const dead = await channel(a, f, false);
    await dead.accept([updates.text(9607, "我不想活了"), updates.text(9608, "转人工")]);
    await dead.idle();
    const cases = await a.handoff.queue(wang);
    const crisisCase = cases.find((c) => c.conversationId === "tg:9607");
    const plainCase = cases.find((c) => c.conversationId === "tg:9608");
    expect(crisisCase?.kind).toBe("crisis");
    expect(plainCase?.kind).toBe("human");
    await a.handoff.claim(crisisCase?.id as string, wang);
    await a.handoff.claim(plainCase?.id as string, wang);
    // Claiming tells each citizen who has joined, by name and role.
    const joined = (chat: number) => f.sentTo(chat).some((m) => m.text.includes("wang（心理咨询师）已接入"));
    await f.waitFor(() => joined(9607) && joined(9608));
    const count = (chat: number) => f.sentTo(chat).length;
    const [n7, n8] = [count(9607), count(9608)];
    f.stallNext("sendMessage", 2);
    await a.handoff.reply(crisisCase?.id as string, wang, "我是王老师，我在。");
    await a.handoff.reply(plainCase?.id as string, wang, "我是王老师，请讲。");
    await f.waitFor(() => count(9607) === n7 + 1 && count(9608) === n8 + 1);

    kill(a);
    const restarted = await channel(a, f);
    await f.waitFor(() => count(9607) === n7 + 2);
    await restarted.idle();
    await new Promise((r) => setTimeout(r, 100));
    expect(
      f
        .sentTo(9607)
        .slice(n7)
        .map((m) => m.text),
    ).toEqual(["【wang（心理咨询师）】我是王老师，我在。", "【wang（心理咨询师）】我是王老师，我在。"]);
    expect(
      f
        .sentTo(9608)
        .slice(n8)
        .map((m) => m.text),
    ).toEqual(["【wang（心理咨询师）】我是王老师，请讲。"]);
    const rows = await a.db.all<{ chat_id: number; message_id: number | null; note: string | null }>(
      "SELECT chat_id, message_id, note FROM telegram_outbox WHERE sent_at IS NOT NULL ORDER BY chat_id, event_id",
    );
    // Each chat: the "has joined" note, then the counselor's reply.
    expect(rows).toEqual([
      { chat_id: 9607, message_id: expect.any(Number), note: null },
      { chat_id: 9607, message_id: expect.any(Number), note: null },
      { chat_id: 9608, message_id: expect.any(Number), note: null },
      { chat_id: 9608, message_id: null, note: expect.stringMatching(/in flight/) },
    ]);
  });

  it("sends again, once, a reply that was handed to the HTTP client but never reached Telegram", async () => {
    fake = await startFakeTelegram();
    a = await testAssistant();
    const f = fake;
    // One connection to the Bot API: while the first reply's request hangs unanswered on it, the second waits
    // in the HTTP agent for a socket. It is journaled as leaving; its bytes never leave the process.
    const dead = await channel(a, f, false, { maxConnections: 1 });
    f.stallNext("sendMessage", 1);
    await dead.accept([updates.text(9611, "征地补偿标准怎么定"), updates.text(9612, "拖欠工资怎么办")]);
    const path = journalOf(a);
    await f.waitFor(
      () => f.sent.length === 1 && (readFileSync(path, "utf8").match(/^L /gm) ?? []).length === 2,
    );
    await new Promise((r) => setTimeout(r, 100));
    const onWire = f.sent[0]?.chatId as number;
    const queued = onWire === 9611 ? 9612 : 9611;
    const journal = readFileSync(path, "utf8");
    expect(f.sentTo(queued)).toHaveLength(0);
    expect((journal.match(/^W /gm) ?? []).length).toBe(1);

    kill(a);
    const restarted = await channel(a, f);
    await f.waitFor(() => f.sentTo(queued).length === 1);
    await restarted.idle();
    await new Promise((r) => setTimeout(r, 100));
    expect(await unprocessed(a)).toBe(0);
    // The one on the wire is taken as delivered (an ordinary reply); the one that never left arrives once.
    expect(f.sentTo(onWire)).toHaveLength(1);
    expect(f.sentTo(queued)).toHaveLength(1);
    const rows = await a.db.all<{ chat: number; message_id: number | null; note: string | null }>(
      `SELECT CAST(json_extract(u.payload, '$.message.chat.id') AS INTEGER) AS chat, s.message_id, s.note
       FROM telegram_sends s JOIN telegram_updates u USING (update_id) ORDER BY chat`,
    );
    expect(rows.find((r) => r.chat === onWire)).toMatchObject({
      message_id: null,
      note: expect.stringMatching(/in flight/),
    });
    expect(rows.find((r) => r.chat === queued)).toMatchObject({ message_id: expect.any(Number), note: null });
  });

  it("sends again an ordinary reply caught on the wire in a chat with an open crisis case", async () => {
    fake = await startFakeTelegram();
    a = await testAssistant();
    const f = fake;
    const dead = await channel(a, f);
    await dead.accept([updates.text(9613, "我不想活了")]);
    await dead.idle();
    expect(
      await a.db.all("SELECT id FROM cases WHERE conversation_id = 'tg:9613' AND kind = 'crisis'"),
    ).toHaveLength(1);
    // The next message reads as ordinary; its reply is tagged by its own turn, which is not a crisis.
    const u = updates.text(9613, "征地补偿标准怎么定");
    const before = f.sentTo(9613).length;
    f.stallNext("sendMessage", 1);
    await dead.accept([u]);
    await f.waitFor(() => f.sentTo(9613).length === before + 1);
    const path = journalOf(a);
    await f.waitFor(() =>
      readFileSync(path, "utf8").includes(`L t:${u.update_id}:0 -\nW t:${u.update_id}:0\n`),
    );
    const reply = f.sentTo(9613)[before]?.text;

    kill(a);
    const restarted = await channel(a, f);
    await f.waitFor(() => f.sentTo(9613).filter((m) => m.text === reply).length === 2);
    await restarted.idle();
    expect(await unprocessed(a)).toBe(0);
    const [row] = await sendsOf(a, u.update_id);
    expect(row?.message_id).toEqual(expect.any(Number));
    expect(row?.note).toBeNull();
  });

  it("settles nothing from an old journal for an update already pruned or processed", async () => {
    fake = await startFakeTelegram();
    a = await testAssistant();
    const done = updates.text(9614, "征地补偿标准怎么定");
    const first = await channel(a, fake);
    await first.accept([done]);
    await first.idle();
    await first.stop();
    // A journal naming an update_id no longer stored (pruned; Telegram may reuse the number) and one processed.
    const written = openSendJournal(journalOf(a));
    const pruned = { kind: "turn", updateId: 77_000_001, seq: 0, resend: false } as const;
    const processed = { kind: "turn", updateId: done.update_id, seq: 1, resend: false } as const;
    for (const tag of [pruned, processed]) {
      written.leaving(tag);
      written.onWire(tag);
    }
    written.accepted(pruned, 99);
    written.close();

    const restarted = await channel(a, fake);
    await restarted.idle();
    expect(await sendsOf(a, pruned.updateId)).toEqual([]);
    expect((await sendsOf(a, done.update_id)).map((r) => r.seq)).toEqual([0]);
  });
});

describe("telegram send journal lock (one process per database)", () => {
  it("refuses a second channel while the first is alive, in this process or another", async () => {
    fake = await startFakeTelegram();
    a = await testAssistant();
    await channel(a, fake);
    const second = createTelegramChannel(a, {
      token: fake.token,
      apiRoot: fake.url,
      mode: "webhook",
      webhookSecret: "test_secret",
      botInfo: FAKE_BOT,
    });
    channels.push(second);
    await expect(second.start()).rejects.toThrow(JournalLocked);
    await expect(second.start()).rejects.toThrow(/another process \(pid \d+/);
    // Its webhook does not take updates another process is answering: Telegram keeps them and retries.
    const app = (await import("fastify")).default();
    await second.webhookPlugin?.(app);
    const res = await app.inject({
      method: "POST",
      url: "/telegram/webhook",
      headers: { "x-telegram-bot-api-secret-token": "test_secret" },
      payload: updates.text(9620, "你好"),
    });
    await app.close();
    expect(res.statusCode).toBe(503);
  });

  it("starts and recovers once the process holding the lock is gone", async () => {
    fake = await startFakeTelegram();
    a = await testAssistant();
    // A turn stored and answered by the engine; the reply's request was on the wire in another process.
    const stored = createTelegramChannel(a, { token: fake.token, apiRoot: fake.url, mode: "polling" });
    channels.push(stored);
    const u = updates.text(9621, "征地补偿标准怎么定");
    await stored.accept([u]);
    await a.engine.handleMessage({
      channel: "telegram",
      conversationId: "tg:9621",
      messageId: String(u.update_id),
      text: "征地补偿标准怎么定",
    });
    const journalModule = fileURLToPath(new URL("../bot/telegram/journal.ts", import.meta.url));
    const holder = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        `import { openSendJournal } from ${JSON.stringify(journalModule)};
         const j = openSendJournal(process.argv[1]);
         const tag = { kind: "turn", updateId: ${u.update_id}, seq: 0, resend: false };
         j.leaving(tag);
         j.onWire(tag);
         process.stdout.write("ready\\n");
         setInterval(() => undefined, 1000);`,
        journalOf(a),
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve, reject) => {
      holder.stdout?.once("data", () => resolve());
      holder.once("exit", (code) => reject(new Error(`lock holder exited with ${code}`)));
    });
    try {
      const refused = createTelegramChannel(a, {
        token: fake.token,
        apiRoot: fake.url,
        mode: "webhook",
        webhookSecret: "test_secret",
        botInfo: FAKE_BOT,
      });
      channels.push(refused);
      await expect(refused.start()).rejects.toThrow(new RegExp(`another process \\(pid ${holder.pid} `));
    } finally {
      holder.kill("SIGKILL");
      await new Promise((r) => holder.once("exit", r));
    }

    const restarted = await channel(a, fake);
    await restarted.idle();
    expect(fake.sentTo(9621)).toHaveLength(0);
    const [row] = await sendsOf(a, u.update_id);
    expect(row?.note).toMatch(/in flight/);
    expect(readFileSync(lockPathOf(journalOf(a)), "utf8")).toContain(`${process.pid} ${hostname()} `);
  });
});
