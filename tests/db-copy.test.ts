import { copyFileSync, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import sqlite3 from "sqlite3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../bot/config.js";
import { createSlackStore } from "../bot/slack/store.js";
import type { StaffMember } from "../handoff/roster.js";
import { openDatabase } from "../store/db.js";
import { openSqliteSnapshot, quoteName, ROWID_KEY } from "../store/sqlite-snapshot.js";
import { runCommand, tempDir, testAssistant } from "./helpers.js";
import { startTestPostgres, type TestPostgres } from "./postgres-server.js";
import { buildSqliteDeployment, type Deployment, fileWages, say } from "./sqlite-deployment.js";

/**
 * `shouwang db copy`: a deployment that began on SQLite moves to PostgreSQL and the people using it notice
 * nothing. The SQLite file is built once through the product (a crisis case worked by a counselor, a complaint
 * answered by its department, a campaign sent, logins and views audited) and copied into fresh databases.
 */

type A = Awaited<ReturnType<typeof testAssistant>>;

let server: TestPostgres;
let tmp: ReturnType<typeof tempDir>;
let source: string;
let opened: A[] = [];

const T0 = Date.parse("2026-03-10T02:00:00Z"); // a Tuesday, 10:00 in Hohhot
let clock = T0;
const now = () => new Date(clock);
let before: Deployment;

/** `shouwang db copy`, run as a terminal would. */
const copy = (from: string, to: string) =>
  runCommand(parseConfig({}), ["db", "copy", "--from", from, "--to", to]);

/** The assistant on the copy, as the server started on SHOUWANG_DATABASE_URL would open it. */
async function onPostgres(url: string): Promise<A> {
  const a = await testAssistant({ dbPath: url, now });
  opened.push(a);
  return a;
}

/** Rows per table of a PostgreSQL database, every table the SQLite file has. */
async function countsOf(url: string): Promise<Record<string, number>> {
  const snapshot = await openSqliteSnapshot(source);
  const tables = (await snapshot.tables()).map((t) => t.name);
  await snapshot.close();
  const db = await openDatabase(url);
  try {
    const out: Record<string, number> = {};
    for (const t of tables)
      out[t] = (await db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${quoteName(t)}`))?.n ?? -1;
    return out;
  } finally {
    await db.close();
  }
}

/** A copy of the SQLite file with `sql` run on it, outside the product: a file the product would not write. */
async function editedCopy(name: string, sql: string): Promise<string> {
  // The deployment was closed, which folds SQLite's write-ahead log into the file: the file alone is the store.
  expect(existsSync(`${source}-wal`) ? statSync(`${source}-wal`).size : 0).toBe(0);
  const path = join(tmp.dir, name);
  copyFileSync(source, path);
  const raw = new sqlite3.Database(path);
  await new Promise<void>((resolve, reject) => raw.exec(sql, (e) => (e ? reject(e) : resolve())));
  await new Promise<void>((resolve) => raw.close(() => resolve()));
  return path;
}

/** A database nobody has migrated: what a DBA hands over. */
async function unmigratedDatabase(): Promise<string> {
  const url = await server.freshDatabase();
  const name = `bare_${process.pid}_${Date.now()}`;
  const db = await openDatabase(url);
  await db.exec(`CREATE DATABASE ${name}`);
  await db.close();
  return url.replace(/\/[^/]+$/, `/${name}`);
}

beforeAll(async () => {
  tmp = tempDir("shouwang-copy-");
  source = join(tmp.dir, "shouwang.db");
  server = await startTestPostgres();
  clock = T0;
  before = await buildSqliteDeployment(source, now, {
    advance: (ms) => {
      clock += ms;
    },
  });
}, 120_000);

afterEach(async () => {
  for (const a of opened) await a.close();
  opened = [];
});

afterAll(async () => {
  await server?.stop();
  tmp?.cleanup();
});

describe("shouwang db copy", () => {
  it("copies every table row for row, prints the counts and says they match", async () => {
    const url = await server.freshDatabase();
    const r = await copy(source, url);
    expect(r.err).not.toMatch(/refused|failed/);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/counts match/);
    // Parents before children: a case after its conversation and its counselor, its events after it.
    const order = r.out
      .split("\n")
      .slice(1, -2)
      .map((line) => line.split(/\s+/)[0]);
    for (const [parent, child] of [
      ["conversations", "cases"],
      ["staff", "cases"],
      ["cases", "case_events"],
      ["complaints", "complaint_events"],
      ["campaigns", "campaign_deliveries"],
    ])
      expect(order.indexOf(parent)).toBeLessThan(order.indexOf(child));
    expect(r.out).toMatch(/^audit_log\s+(\d+)\s+\1$/m);

    const snapshot = await openSqliteSnapshot(source);
    const db = await openDatabase(url);
    try {
      const tables = await snapshot.tables();
      expect(tables.map((t) => t.name)).toEqual(
        expect.arrayContaining(["events", "staff", "campaign_deliveries"]),
      );
      expect(tables.map((t) => t.name)).not.toContain("schema_migrations");
      for (const t of tables) {
        const pgAll = await db.all<Record<string, unknown>>(`SELECT * FROM ${quoteName(t.name)}`);
        // Where PostgreSQL keeps SQLite's rowid as a column (the Slack cards sort by it), it is compared too.
        const withRowid = t.hasRowid && pgAll.some((row) => "rowid" in row);
        const sqliteRows: unknown[] = [];
        for await (const batch of snapshot.batches(t, 7))
          for (const row of batch)
            sqliteRows.push([...t.columns.map((c) => row[c]), ...(withRowid ? [row[ROWID_KEY]] : [])]);
        const pgRows = pgAll.map((row) => [
          ...t.columns.map((c) => row[c]),
          ...(withRowid ? [row.rowid] : []),
        ]);
        const sorted = (rows: unknown[]) => rows.map((x) => JSON.stringify(x)).sort();
        expect(sorted(pgRows), t.name).toEqual(sorted(sqliteRows));
      }
    } finally {
      await snapshot.close();
      await db.close();
    }
  });

  it("lets the counselor see the same case and transcript, and staff log in with their passwords", async () => {
    const url = await server.freshDatabase();
    expect((await copy(source, url)).code).toBe(0);
    const a = await onPostgres(url);
    const wang = (await a.staff.find("wang")) as StaffMember;
    const held = (await a.handoff.queue(wang)).find((c) => c.id === before.caseId);
    expect(held).toMatchObject({ state: "active", holderId: wang.id });
    expect(await a.handoff.view(before.caseId, wang)).toEqual(before.caseView);
    await expect(a.staff.login("wang", "wang-password-1")).resolves.toMatchObject({
      token: expect.any(String),
    });
    await expect(a.staff.login("clerk", "clerk-password")).resolves.toBeDefined();
    await expect(a.staff.login("wang", "not-the-password")).rejects.toMatchObject({ code: "unauthorized" });

    const clerk = (await a.staff.find("clerk")) as StaffMember;
    expect((await a.complaints.list(clerk)).map((c) => c.id)).toEqual([before.complaintId]);
    expect(await a.complaints.get(before.complaintId)).toEqual(before.complaint);
    expect(await a.conversations.transcript("worker")).toEqual(before.complaintTranscript);
    expect(await a.campaigns.status(before.campaignId)).toEqual(before.campaign);
    const slack = createSlackStore(a.db, now);
    expect((await slack.complaintCards(before.complaintId)).map((c) => c.channel)).toEqual([
      "C-LABOUR",
      "C-ALL",
    ]);
    expect(await slack.usernameOf("U0WANG001")).toBe("wang");
    const audit = await a.db.all<{ username: string; action: string }>(
      "SELECT username, action FROM audit_log WHERE case_id = ? ORDER BY id",
      [before.caseId],
    );
    expect(audit.filter((r) => r.action === "view_transcript")).toHaveLength(2);
  });

  it("gives new conversations, cases, complaints and campaigns fresh ids that collide with none copied", async () => {
    const url = await server.freshDatabase();
    expect((await copy(source, url)).code).toBe(0);
    const a = await onPostgres(url);
    const wang = (await a.staff.find("wang")) as StaffMember;
    await say(a, "newcomer", "我真的不想活了");
    const waiting = (await a.handoff.queue(wang)).find((c) => c.conversationId === "newcomer");
    expect(waiting?.id).toBe(
      before.caseId.replace(/\d+$/, (n) => String(Number(n) + 1).padStart(n.length, "0")),
    );
    await a.handoff.claim(waiting?.id as string, wang);
    const events = await a.conversations.transcript("newcomer");
    expect(Math.min(...events.map((e) => e.id))).toBeGreaterThan(before.highestEventId);

    const second = await fileWages(a, "worker-2");
    expect(second).toBe(
      before.complaintId.replace(/\d+$/, (n) => String(Number(n) + 1).padStart(n.length, "0")),
    );
    const slack = createSlackStore(a.db, now);
    await slack.saveComplaintCard({ complaintId: second, channel: "C-LABOUR", ts: "3.0" });
    await slack.saveCard({
      caseId: waiting?.id as string,
      conversationId: "newcomer",
      channel: "C-CRISIS",
      ts: "4.0",
      mirroredEventId: 0,
    });
    expect((await slack.latestCardOf("newcomer"))?.ts).toBe("4.0");
    for (const table of ["slack_cards", "slack_complaint_cards"]) {
      const rowids = await a.db.all<{ rowid: number }>(`SELECT rowid FROM ${table}`);
      expect(new Set(rowids.map((r) => r.rowid)).size, table).toBe(rowids.length);
    }
    const { campaign } = await a.campaigns.create(
      { title: "新的普法", body: "劳动合同应当采用书面形式。", topics: ["劳动"], quietHours: null },
      "zhao",
    );
    expect(campaign.id).toBe(before.campaignId + 1);
    await a.staff.add({ username: "new-counselor", password: "new-password-1", role: "counselor" });
    const ids = await a.db.all<{ id: number }>("SELECT id FROM staff ORDER BY id");
    expect(new Set(ids.map((r) => r.id)).size).toBe(ids.length);
    await expect(a.staff.login("new-counselor", "new-password-1")).resolves.toBeDefined();
  });

  it("keeps the logs append-only and the department figures counted once, and still counting", async () => {
    const url = await server.freshDatabase();
    expect((await copy(source, url)).code).toBe(0);
    const a = await onPostgres(url);
    await expect(a.db.run("UPDATE events SET type = 'edited'")).rejects.toThrow(/events are append-only/);
    await expect(a.db.run("DELETE FROM case_events")).rejects.toThrow(/case events are append-only/);
    await expect(a.db.run("UPDATE audit_log SET action = 'nothing'")).rejects.toThrow(
      /audit log is append-only/,
    );
    // The dashboard reads the trigger-kept counts (stat_counts), which came over as they were.
    const day = "2026-03-10";
    const figures = async () => {
      const d = await a.dashboard.overview(day, day);
      const department = (await a.complaints.stats()).find(
        (s) => s.departmentId === "松山区/hrss-labour-inspection",
      );
      return { live: d.totals.live, cases: department?.cases };
    };
    expect(await figures()).toEqual({ live: 1, cases: 1 });
    await fileWages(a, "worker-3");
    expect(await figures()).toEqual({ live: 2, cases: 2 });
  });

  it("copies into a database nobody has migrated yet", async () => {
    const url = await unmigratedDatabase();
    const r = await copy(source, url);
    expect(r.code).toBe(0);
    const a = await onPostgres(url);
    const wang = (await a.staff.find("wang")) as StaffMember;
    expect((await a.handoff.view(before.caseId, wang)).transcript).toEqual(
      (before.caseView as { transcript: unknown }).transcript,
    );
  });

  it("refuses a second copy into the same database, in one line, and changes nothing", async () => {
    const url = await server.freshDatabase();
    expect((await copy(source, url)).code).toBe(0);
    const counts = await countsOf(url);
    const again = await copy(source, url);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(
      /^refused: postgres:\/\/localhost:\d+\/\w+ already holds Shouwang data \(.+\)[^\n]*\n$/,
    );
    expect(again.err).not.toContain("shouwang-test"); // the password stays out of it
    expect(await countsOf(url)).toEqual(counts);
  });

  it("refuses a database that already has conversations of its own, and leaves them", async () => {
    const url = await server.freshDatabase();
    const b = await onPostgres(url);
    await say(b, "already-here", "申请劳动仲裁需要什么材料");
    const counts = await countsOf(url);
    const r = await copy(source, url);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/already holds Shouwang data \(conversations, events/);
    expect(await countsOf(url)).toEqual(counts);
    expect(await b.staff.find("wang")).toBeUndefined();
  });

  it("refuses a file at another schema version and tells what to do, writing nothing", async () => {
    const url = await server.freshDatabase();
    const older = await editedCopy("older.db", "DELETE FROM schema_migrations WHERE version = 900");
    const r1 = await copy(older, url);
    expect(r1.code).toBe(1);
    expect(r1.err).toMatch(
      /^refused: .*older\.db is at an older schema \(missing versions 900\): start this version/,
    );
    const newer = await editedCopy(
      "newer.db",
      "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99999, 'later', '2030-01-01')",
    );
    const r2 = await copy(newer, url);
    expect(r2.code).toBe(1);
    expect(r2.err).toMatch(/newer Shouwang .*99999.*upgrade this installation/);
    expect(Object.values(await countsOf(url)).reduce((n, c) => n + c, 0)).toBe(1); // the closed erasure gate
  });

  it("rolls back the whole copy when PostgreSQL refuses one row, and can then copy a good file", async () => {
    const url = await server.freshDatabase();
    // SQLite keeps text that does not look like a number in an INTEGER column; PostgreSQL's BIGINT will not.
    const bad = await editedCopy("bad.db", "UPDATE campaign_deliveries SET attempts = 'many'");
    const r = await copy(bad, url);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/copy of campaign_deliveries failed, nothing was written/);
    expect(Object.values(await countsOf(url)).reduce((n, c) => n + c, 0)).toBe(1);
    expect((await copy(source, url)).code).toBe(0);
  });

  it("is in the help, and explains what it needs", async () => {
    const config = parseConfig({});
    expect((await runCommand(config, ["--help"])).out).toContain("shouwang db copy --from");
    const missing = await runCommand(config, ["db", "copy", "--from", source]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("--from <SQLite file> and --to <postgres:// URL> are both needed");
    const swapped = await runCommand(config, ["db", "copy", "--from", "postgres://x/y", "--to", source]);
    expect(swapped.code).toBe(2);
    const absent = await copy(join(tmp.dir, "nowhere.db"), await server.freshDatabase());
    expect(absent.code).toBe(1);
    expect(absent.err).toBe(`no SQLite file at ${join(tmp.dir, "nowhere.db")}\n`);
    expect(existsSync(join(tmp.dir, "nowhere.db"))).toBe(false);
    const unreachable = await copy(source, "postgres://shouwang:secret@127.0.0.1:1/none");
    expect(unreachable.code).toBe(1);
    expect(unreachable.err).toMatch(/^cannot connect to PostgreSQL at 127\.0\.0\.1:1, database none: /);
    expect(unreachable.err).not.toContain("secret");
  });
});
