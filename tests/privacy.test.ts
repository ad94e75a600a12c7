import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../bot/config.js";
import { retentionSweep } from "../handoff/privacy.js";
import { runCommand, testAssistant } from "./helpers.js";
import { forEachStore, storeEnv } from "./stores.js";

/** A citizen's data can be seen and erased on request, and is erased unasked when the retention period ends. */
let a: Awaited<ReturnType<typeof testAssistant>>;
afterEach(async () => a?.cleanup());

let clock = new Date("2026-01-05T02:00:00Z");
const now = () => clock;

const cli = (args: string[]) => runCommand(parseConfig(storeEnv(a.target)), args);

const say = (conversationId: string, text: string) =>
  a.engine.handleMessage({ channel: "web", conversationId, text });

/** Everything in the database that could hold what the citizen wrote. */
async function contentOf(conversationId: string): Promise<string> {
  const rows = await Promise.all([
    a.db.all("SELECT payload FROM events WHERE conversation_id = ?", [conversationId]),
    a.db.all("SELECT first_message, follow_up FROM cases WHERE conversation_id = ?", [conversationId]),
    a.db.all(
      "SELECT payload FROM case_events WHERE case_id IN (SELECT id FROM cases WHERE conversation_id = ?)",
      [conversationId],
    ),
  ]);
  return JSON.stringify(rows);
}

forEachStore(() => {
  describe("privacy", () => {
    it("exports a citizen's conversation, then erases its content on request; both audited", async () => {
      a = await testAssistant({ now });
      await a.staff.add({ username: "wang", password: "counselor-pass", role: "counselor", shifts: [] });
      const wang = await a.staff.find("wang");
      await say("p-1", "我在包头打工，工资被拖欠了，我真的不想活了");
      const [c] = await a.handoff.queue(wang as NonNullable<typeof wang>);
      await a.handoff.claim(c?.id as string, wang as NonNullable<typeof wang>);
      await a.handoff.note(c?.id as string, wang as NonNullable<typeof wang>, "来电者在包头，欠薪三个月");
      await a.handoff.resolve(c?.id as string, wang as NonNullable<typeof wang>, "已疏导", "次日回访");

      const exported = await cli(["privacy", "export", "--conversation", "p-1", "--by", "本人申请"]);
      expect(exported.code).toBe(0);
      const data = JSON.parse(exported.out);
      expect(data.messages[0]).toMatchObject({
        from: "citizen",
        text: "我在包头打工，工资被拖欠了，我真的不想活了",
      });
      expect(data.cases).toHaveLength(1);

      expect(await contentOf("p-1")).toContain("包头");
      const erased = await cli(["privacy", "erase", "--conversation", "p-1", "--by", "本人申请"]);
      expect(erased.code).toBe(0);
      const left = await contentOf("p-1");
      for (const word of ["包头", "拖欠", "不想活", "欠薪", "次日回访"]) expect(left).not.toContain(word);
      // The bare record stays: the case, its state and outcome.
      expect(await a.handoff.get(c?.id as string)).toMatchObject({ state: "resolved", outcome: "已疏导" });
      const audit = await a.db.all<{ action: string; username: string }>(
        "SELECT action, username FROM audit_log WHERE conversation_id = 'p-1' AND action LIKE 'privacy%' ORDER BY id",
      );
      expect(audit).toEqual([
        { action: "privacy_export", username: "cli:本人申请" },
        { action: "privacy_erase", username: "cli:本人申请" },
      ]);
      // Outside that path the logs are still append-only.
      await say("p-2", "你好");
      await expect(a.db.run("DELETE FROM events WHERE conversation_id = 'p-2'")).rejects.toThrow(
        /append-only/,
      );
      await expect(a.db.run("UPDATE case_events SET payload = '{}'")).rejects.toThrow(/append-only/);
    });

    it("exports a citizen's subscriptions with each consent's words, and erasing them stops campaigns", async () => {
      a = await testAssistant({ now });
      await say("s-1", "订阅 反诈");
      await say("s-1", "包头市");
      const data = JSON.parse(
        (await cli(["privacy", "export", "--conversation", "s-1", "--by", "本人申请"])).out,
      );
      expect(data.subscriptions).toMatchObject({ topics: ["anti_fraud"], league: "包头市", county: null });
      expect(data.subscriptions.consents.map((c: { action: string }) => c.action)).toEqual([
        "subscribe",
        "place",
      ]);
      expect(data.subscriptions.consents[0].wording).toContain("「反诈」");
      expect((await cli(["privacy", "erase", "--conversation", "s-1", "--by", "本人申请"])).code).toBe(0);
      expect((await a.subscriptions.get("s-1")).topics).toEqual([]);
    });

    it("refuses an unknown conversation and a request without who asked", async () => {
      a = await testAssistant({ now });
      expect((await cli(["privacy", "erase", "--conversation", "nope", "--by", "x"])).code).toBe(1);
      expect((await cli(["privacy", "export", "--conversation", "nope"])).code).toBe(2);
    });

    it("erases conversations past the retention period, never one with something still open", async () => {
      clock = new Date("2026-01-05T02:00:00Z");
      a = await testAssistant({ now });
      await say("old", "征地补偿标准是多少");
      await say("open-case", "我不想活了");
      clock = new Date("2026-06-01T02:00:00Z");
      await say("recent", "拖欠工资找谁");
      clock = new Date("2026-07-10T02:00:00Z");
      const sweep = retentionSweep(a.db, 180, now);
      expect(await sweep()).toBe(1);
      expect(await contentOf("old")).not.toContain("征地");
      expect(await contentOf("open-case")).toContain("不想活");
      expect(await contentOf("recent")).toContain("拖欠");
      // Once an hour at most, and an erased conversation is not erased again.
      expect(await sweep()).toBe(0);
      clock = new Date("2026-07-10T04:00:00Z");
      expect(await sweep()).toBe(0);
      expect(
        await a.db.get(
          "SELECT 1 AS one FROM audit_log WHERE action = 'retention_erase' AND conversation_id = 'old'",
        ),
      ).toBeDefined();
    });
  });
});
