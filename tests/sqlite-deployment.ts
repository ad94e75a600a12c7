import { createSlackStore } from "../bot/slack/store.js";
import type { StaffMember } from "../handoff/roster.js";
import { LABOUR_CLERK, testAssistant, until, WAGE_COMPLAINT_ANSWERS } from "./helpers.js";

/** The SQLite deployment that tests/db-copy.test.ts moves to PostgreSQL, and the turns it is built with. */

type A = Awaited<ReturnType<typeof testAssistant>>;

/** What the SQLite deployment showed its users, to be seen again on PostgreSQL. */
export interface Deployment {
  caseId: string;
  caseView: unknown;
  complaintId: string;
  complaint: unknown;
  complaintTranscript: unknown;
  campaignId: number;
  campaign: unknown;
  highestEventId: number;
}

export const say = (a: A, conversationId: string, text: string) =>
  a.engine.handleMessage({ channel: "web", conversationId, text });

/** Files a wage-arrears complaint in 赤峰市松山区, answering in the order the bot asks; returns its number. */
export async function fileWages(a: A, conv: string) {
  for (const text of WAGE_COMPLAINT_ANSWERS) await say(a, conv, text);
  const filed = (await say(a, conv, "确认提交")).replies.map((r) => r.text).join("\n");
  return /SW-\d{4}-\d{6}/.exec(filed)?.[0] ?? "";
}

/**
 * A SQLite store used as a centre would use it, built through the product: a crisis case claimed and answered by
 * a counselor, a complaint accepted and answered by its department (with its Slack cards), a campaign sent to a
 * subscriber, a login and audited views. `clock.advance` moves the test's clock, which `now` reads.
 */
export async function buildSqliteDeployment(
  path: string,
  now: () => Date,
  clock: { advance(ms: number): void },
): Promise<Deployment> {
  const a = await testAssistant({ dbPath: path, now, campaigns: { tickMs: 20 } });
  await a.staff.add({
    username: "wang",
    password: "wang-password-1",
    role: "counselor",
    shifts: ["mon-sun 00:00-24:00"],
  });
  await a.staff.add(LABOUR_CLERK);
  await a.staff.add({ username: "zhao", password: "zhao-password-1", role: "editor" });
  await a.staff.add({ username: "qian", password: "qian-password-1", role: "admin" });
  const wang = (await a.staff.find("wang")) as StaffMember;
  const clerk = (await a.staff.find("clerk")) as StaffMember;

  await say(a, "citizen", "我不想活了");
  const [open] = await a.handoff.queue(wang);
  const caseId = open?.id as string;
  await a.handoff.claim(caseId, wang);
  await a.handoff.reply(caseId, wang, "我在这里，愿意听你说说发生了什么吗？");
  await say(a, "citizen", "谢谢你，我只是想找人说说话");
  await a.staff.login("wang", "wang-password-1");

  clock.advance(60_000);
  const complaintId = await fileWages(a, "worker");
  await a.complaints.accept(complaintId, clerk);
  await a.complaints.reply(complaintId, clerk, "已联系施工方，本周内核实");

  // Slack: the case's card, the complaint's cards in two channels written in the same millisecond (told apart by
  // SQLite's rowid, which PostgreSQL has as a column), and who acts as whom.
  const slack = createSlackStore(a.db, now);
  await slack.saveCard({
    caseId,
    conversationId: "citizen",
    channel: "C-CRISIS",
    ts: "1.0",
    mirroredEventId: 0,
  });
  await slack.saveComplaintCard({ complaintId, channel: "C-LABOUR", ts: "2.0" });
  await slack.saveComplaintCard({ complaintId, channel: "C-ALL", ts: "2.1" });
  await slack.link("U0WANG001", "wang");

  await say(a, "reader", "订阅 劳动");
  await say(a, "reader", "全区");
  const { campaign } = await a.campaigns.create(
    {
      title: "工资被拖欠怎么办",
      body: "用人单位应当按时足额支付劳动报酬。",
      topics: ["劳动"],
      quietHours: null,
    },
    "zhao",
  );
  await a.campaigns.approve(campaign.id, "qian");
  a.dispatcher.start();
  await until(async () => (await a.campaigns.status(campaign.id)).state === "done");
  await a.dispatcher.stop();

  const highest = await a.db.get<{ id: number }>("SELECT MAX(id) AS id FROM events");
  const before: Deployment = {
    caseId,
    caseView: await a.handoff.view(caseId, wang),
    complaintId,
    complaint: await a.complaints.get(complaintId),
    complaintTranscript: await a.conversations.transcript("worker"),
    campaignId: campaign.id,
    campaign: await a.campaigns.status(campaign.id),
    highestEventId: highest?.id ?? 0,
  };
  await a.close();
  return before;
}
