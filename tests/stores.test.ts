import { spawnSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../store/db.js";
import { MIGRATIONS } from "../store/migrations.js";
import { POSTGRES_MIGRATIONS } from "../store/migrations-postgres.js";
import type { Db } from "../store/sql.js";
import { testAssistant } from "./helpers.js";
import { forEachStore } from "./stores.js";

/** The store itself, the same tests on SQLite and on PostgreSQL: what every module above it relies on. */

const NOW = "2026-11-27T00:00:00.000Z";
const conversation = (id: string, externalUser: string | null = null) => ({
  sql: "INSERT INTO conversations (id, channel, external_user, mode, risk, state, subscribed, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
  params: [id, "web", externalUser, "bot", "none", "{}", 0, NOW, NOW],
});

let open: Db[] = [];
const track = (db: Db) => {
  open.push(db);
  return db;
};
afterEach(async () => {
  for (const db of open) await db.close().catch(() => undefined);
  open = [];
});

forEachStore((store) => {
  describe("the store", () => {
    it("records every migration, the same versions in both dialects", async () => {
      const db = track(await openDatabase(await store.fresh()));
      expect(db.dialect).toBe(store.kind);
      const versions = (
        await db.all<{ version: number }>("SELECT version FROM schema_migrations ORDER BY version")
      ).map((r) => r.version);
      expect(versions).toEqual(MIGRATIONS.map((m) => m.version));
      expect(POSTGRES_MIGRATIONS.map((m) => [m.version, m.name])).toEqual(
        MIGRATIONS.map((m) => [m.version, m.name]),
      );
    });

    it("opens a second time without migrating again, keeping what it holds", async () => {
      const target = await store.fresh();
      const first = await openDatabase(target);
      await first.script([conversation("kept")]);
      await first.close();
      const again = track(await openDatabase(target));
      expect(await again.get("SELECT id FROM conversations")).toEqual({ id: "kept" });
    });

    it("stores hostile text exactly as given, through scripts and through parameters", async () => {
      const db = track(await openDatabase(await store.fresh()));
      const texts = [
        "it's",
        "'); DROP TABLE conversations; --",
        "问号？和?号",
        "emoji 😀 and ᠮᠣᠩᠭᠣᠯ",
        "back\\slash $1 ?",
        "",
      ];
      await db.script(texts.map((t, i) => conversation(`s${i}`, t)));
      for (const [i, t] of texts.entries())
        await db.run(conversation(`r${i}`, t).sql, conversation(`r${i}`, t).params);
      const rows = await db.all<{ id: string; external_user: string }>(
        "SELECT id, external_user FROM conversations ORDER BY id",
      );
      expect(rows.filter((r) => r.id.startsWith("s")).map((r) => r.external_user)).toEqual(texts);
      expect(rows.filter((r) => r.id.startsWith("r")).map((r) => r.external_user)).toEqual(texts);
    });

    it("gives numbers as numbers (ids, COUNT, SUM, AVG) and comparisons as 0 or 1", async () => {
      const db = track(await openDatabase(await store.fresh()));
      await db.script([conversation("c1"), conversation("c2")]);
      const row = await db.get<Record<string, unknown>>(
        `SELECT COUNT(*) AS n, SUM(subscribed) AS s, AVG(subscribed) AS a, MAX(id) AS m,
                COUNT(*) > 1 AS many, COUNT(*) > 5 AS lots FROM conversations`,
      );
      expect(row).toEqual({ n: 2, s: 0, a: 0, m: "c2", many: 1, lots: 0 });
      const staff = await db.run(
        db.dialect === "postgres"
          ? "INSERT INTO staff (username, display_name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id"
          : "INSERT INTO staff (username, display_name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
        ["li", "Li", "counselor", "x", NOW],
      );
      expect(staff.lastID).toBe(1);
      expect(await db.get("SELECT id, disabled FROM staff")).toEqual({ id: 1, disabled: 0 });
    });

    it("commits every script of a concurrent burst, fails only a bad one, keeps transactions whole, closes after all", async () => {
      const target = await store.fresh();
      const db = await openDatabase(target);
      await db.exec("CREATE TABLE t (id BIGINT PRIMARY KEY, lane BIGINT NOT NULL)");
      const insert = (id: number, lane: number) => ({
        sql: "INSERT INTO t (id, lane) VALUES (?, ?)",
        params: [id, lane],
      });
      let id = 0;
      const work: Promise<unknown>[] = [];
      for (let lane = 0; lane < 8; lane++) {
        work.push(
          (async () => {
            for (let i = 0; i < 25; i++) {
              await db.script([insert(++id, lane)]);
              if (lane === 3 && i === 10) {
                await db.transaction(async (tx) => {
                  await tx.run("INSERT INTO t (id, lane) VALUES (?, ?)", [100_001, -1]);
                  await tx.run("INSERT INTO t (id, lane) VALUES (?, ?)", [100_002, -1]);
                });
              }
            }
          })(),
        );
      }
      const duplicate = db.script([insert(1, 99)]).then(
        () => "committed",
        (e: Error) => e.message,
      );
      await Promise.all(work);
      expect(await duplicate).toMatch(/UNIQUE|duplicate key/);
      const late = [db.script([insert(200_001, -2)]), db.script([insert(200_002, -2)])];
      await db.close();
      await Promise.all(late);
      const again = track(await openDatabase(target));
      expect(await again.get("SELECT count(*) AS n FROM t WHERE lane >= 0")).toEqual({ n: 200 });
      const tx = await again.all<{ id: number }>("SELECT id FROM t WHERE lane < 0 ORDER BY id");
      expect(tx.map((r) => r.id)).toEqual([100_001, 100_002, 200_001, 200_002]);
    });

    it("rolls a failed transaction back whole", async () => {
      const db = track(await openDatabase(await store.fresh()));
      await expect(
        db.transaction(async (tx) => {
          await tx.run(conversation("gone").sql, conversation("gone").params);
          await tx.run(conversation("gone").sql, conversation("gone").params);
        }),
      ).rejects.toThrow(/UNIQUE|duplicate key/);
      expect(await db.get("SELECT id FROM conversations")).toBeUndefined();
    });

    it("keeps the logs append-only; only erasure, inside its own transaction, opens the event logs", async () => {
      const db = track(await openDatabase(await store.fresh()));
      await db.script([conversation("c1")]);
      await db.run(
        "INSERT INTO events (conversation_id, type, actor, payload, created_at) VALUES (?, 'inbound', 'citizen', '{}', ?)",
        ["c1", NOW],
      );
      await db.run("INSERT INTO audit_log (username, action, created_at) VALUES ('sup', 'read', ?)", [NOW]);
      await db.run(
        "INSERT INTO subscription_consents (conversation_id, action, wording, created_at) VALUES ('c1', 'subscribe', 'w', ?)",
        [NOW],
      );
      const refused: [string, RegExp][] = [
        ["UPDATE events SET payload = '{}'", /events are append-only/],
        ["DELETE FROM events", /events are append-only/],
        ["UPDATE audit_log SET action = 'x'", /audit log is append-only/],
        ["DELETE FROM audit_log", /audit log is append-only/],
        ["UPDATE subscription_consents SET wording = 'x'", /consent log is append-only/],
      ];
      for (const [sql, message] of refused) await expect(db.run(sql)).rejects.toThrow(message);
      // The gate is opened and closed inside one transaction, as store/erase.ts does.
      await db.transaction(async (tx) => {
        await tx.run("UPDATE erase_gate SET open = 1 WHERE id = 1");
        await tx.run("DELETE FROM events WHERE conversation_id = ?", ["c1"]);
        await tx.run("UPDATE erase_gate SET open = 0 WHERE id = 1");
      });
      expect(await db.get("SELECT count(*) AS n FROM events")).toEqual({ n: 0 });
      await expect(db.run("DELETE FROM audit_log")).rejects.toThrow(/append-only/);
    });

    it("serialises read-then-write transactions of two instances on one database: no update lost", async () => {
      const target = await store.fresh();
      const a = track(await openDatabase(target));
      const b = track(await openDatabase(target));
      await a.run("INSERT INTO secrets (name, value, created_at) VALUES ('counter', '0', ?)", [NOW]);
      const bump = (db: Db) =>
        db.transaction(async (tx) => {
          const row = await tx.get<{ value: string }>("SELECT value FROM secrets WHERE name = 'counter'");
          await new Promise((r) => setImmediate(r));
          await tx.run("UPDATE secrets SET value = ? WHERE name = 'counter'", [
            String(Number(row?.value) + 1),
          ]);
        });
      await Promise.all(Array.from({ length: 40 }, (_, i) => bump(i % 2 ? a : b)));
      expect(await a.get("SELECT value FROM secrets WHERE name = 'counter'")).toEqual({ value: "40" });
    });

    it("answers a message redelivered to two instances at once with one turn", async () => {
      const first = await testAssistant();
      const second = await testAssistant({ dbPath: first.target });
      try {
        const msg = {
          channel: "web" as const,
          conversationId: "c-9",
          text: "我想订阅普法内容",
          messageId: "m-9",
        };
        const [x, y] = await Promise.all([first.engine.handleMessage(msg), second.engine.handleMessage(msg)]);
        expect([x.duplicate ?? false, y.duplicate ?? false].filter(Boolean)).toHaveLength(1);
        expect(y.replies).toEqual(x.replies);
        const inbound = (await first.conversations.events("c-9")).filter((e) => e.type === "inbound");
        expect(inbound).toHaveLength(1);
      } finally {
        await second.cleanup();
        await first.cleanup();
      }
    });
  });
});

describe("a PostgreSQL URL that does not work", () => {
  it("stops opening with one line naming the host, the database and the driver's reason", async () => {
    const e = await openDatabase("postgres://shouwang:secret-pw@127.0.0.1:1/nothing_here").then(
      () => undefined,
      (err: Error) => err,
    );
    expect(e?.message).toMatch(
      /^cannot connect to PostgreSQL at 127\.0\.0\.1:1, database nothing_here: .*ECONNREFUSED/,
    );
    expect(e?.message).not.toContain("secret-pw");
    expect(e?.message).not.toContain("\n");
  });

  it("stops the server's start-up with that one line and exit code 1, never a stack trace or SQLite", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "bot/main.ts"], {
      env: {
        ...process.env,
        SHOUWANG_DATABASE_URL: "postgres://u:pw@127.0.0.1:1/shouwang",
        PORT: "0",
        LOG_LEVEL: "silent",
      },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(
        /^cannot connect to PostgreSQL at 127\.0\.0\.1:1, database shouwang: .*ECONNREFUSED/,
      ),
    ]);
  });

  it("refuses a URL that is not postgres:// in the configuration, before anything opens", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "bot/main.ts"], {
      env: { ...process.env, SHOUWANG_DATABASE_URL: "mysql://x@h/db", PORT: "0" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/SHOUWANG_DATABASE_URL: must be a postgres:\/\/ URL/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
