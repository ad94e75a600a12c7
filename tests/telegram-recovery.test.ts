import { existsSync, readFileSync } from "node:fs";
import type { Update } from "grammy/types";
import { afterEach, describe, expect, it } from "vitest";
import { telegramMessages } from "../bot/messages.js";
import { createTelegramChannel, type TelegramChannel, type TelegramConfig } from "../bot/telegram/channel.js";
import { journalPathOf, openSendJournal } from "../bot/telegram/journal.js";
import type { StaffMember } from "../handoff/roster.js";
import { FAKE_BOT, type FakeTelegram, startFakeTelegram, updates } from "./fixtures/fake-telegram.js";
import { testAssistant } from "./helpers.js";

/**
 * A kill -9 mid-send, as Telegram and the disk see it: the fake Bot API takes a sendMessage and never answers
 * (`stallNext`), so the first channel never commits its confirmation; a second channel is then started on the
 * same database and send journal, as a restarted process would be. The first one stays frozen, like the dead
 * process, until the test is over.
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

async function channel(assistant: A, fakeApi: FakeTelegram, throttle = ONE_AT_A_TIME) {
  const c = createTelegramChannel(assistant, {
    token: fakeApi.token,
    apiRoot: fakeApi.url,
    mode: "webhook",
    webhookSecret: "test_secret",
    throttle,
    botInfo: FAKE_BOT,
  });
  channels.push(c);
  await c.start();
  return c;
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
    expect(readFileSync(journalPathOf(a.db.path) as string, "utf8")).toContain(`L t:${u.update_id}:0 -`);

    const restarted = await channel(a, fake);
    await restarted.idle();
    expect(await unprocessed(a)).toBe(0);
    expect(fake.sentTo(chat)).toHaveLength(1);
    expect(fake.sentTo(chat)[0]?.text).toMatch(/依据：/);
    const [row] = await sendsOf(a, u.update_id);
    expect(row?.message_id).toBeNull();
    expect(row?.note).toMatch(/in flight/);
  });

  it("sends again a crisis reply that was on its way when the process died", async () => {
    const u = updates.text(9602, "我真的撑不下去了，不想活了");
    const { fake, a, chat } = await dieWhileSending(u);
    const hotline = fake.sentTo(chat)[0]?.text ?? "";
    expect(hotline).toContain("12356");
    expect(readFileSync(journalPathOf(a.db.path) as string, "utf8")).toContain(`L t:${u.update_id}:0 !`);

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
    expect(readFileSync(path, "utf8")).toBe(`L t:${u.update_id}:0 -\nR t:${u.update_id}:0\n`);
    expect(f.rejected.get("sendMessage")).toBe(1);

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
    await a.staff.add({
      username: "wang",
      password: "wang-password-1",
      role: "counselor",
      shifts: ["mon-sun 00:00-24:00"],
    });
    const wang = (await a.staff.find("wang")) as StaffMember;
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
    const count = (chat: number) => f.sentTo(chat).length;
    const [n7, n8] = [count(9607), count(9608)];
    f.stallNext("sendMessage", 2);
    await a.handoff.reply(crisisCase?.id as string, wang, "我是王老师，我在。");
    await a.handoff.reply(plainCase?.id as string, wang, "我是王老师，请讲。");
    await f.waitFor(() => count(9607) === n7 + 1 && count(9608) === n8 + 1);

    const restarted = await channel(a, f);
    await f.waitFor(() => count(9607) === n7 + 2);
    await restarted.idle();
    await new Promise((r) => setTimeout(r, 100));
    expect(
      f
        .sentTo(9607)
        .slice(n7)
        .map((m) => m.text),
    ).toEqual([
      `${telegramMessages.staffPrefix}我是王老师，我在。`,
      `${telegramMessages.staffPrefix}我是王老师，我在。`,
    ]);
    expect(
      f
        .sentTo(9608)
        .slice(n8)
        .map((m) => m.text),
    ).toEqual([`${telegramMessages.staffPrefix}我是王老师，请讲。`]);
    const rows = await a.db.all<{ chat_id: number; message_id: number | null; note: string | null }>(
      "SELECT chat_id, message_id, note FROM telegram_outbox WHERE sent_at IS NOT NULL ORDER BY chat_id",
    );
    expect(rows).toEqual([
      { chat_id: 9607, message_id: expect.any(Number), note: null },
      { chat_id: 9608, message_id: null, note: expect.stringMatching(/in flight/) },
    ]);
  });
});
