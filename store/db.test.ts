import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sqlite3 from "sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "./db.js";
import { MIGRATIONS } from "./migrations.js";
import { renderStatement } from "./sql.js";

const dir = mkdtempSync(join(tmpdir(), "shouwang-db-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("group-committed scripts", () => {
  it("store hostile text exactly as given", async () => {
    const db = await openDatabase(join(dir, "script.db"));
    const texts = [
      "it's",
      "'); DROP TABLE conversations; --",
      "问号？和?号",
      "emoji 😀 and ᠮᠣᠩᠭᠣᠯ",
      "line\nbreak\\backslash",
      "",
    ];
    await db.script(
      texts.map((t, i) => ({
        sql: "INSERT INTO conversations (id, channel, external_user, mode, risk, state, subscribed, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        params: [`c${i}`, "web", t, "bot", "none", "{}", 0, "2026-11-27T00:00:00Z", "2026-11-27T00:00:00Z"],
      })),
    );
    const rows = await db.all<{ external_user: string }>(
      "SELECT external_user FROM conversations ORDER BY id",
    );
    expect(rows.map((r) => r.external_user)).toEqual(texts);
    await db.close();
  });

  it("refuse SQL with inline literals or the wrong number of parameters", () => {
    expect(() => renderStatement({ sql: "SELECT 'x' WHERE a = ?", params: [1] })).toThrow(/parameterised/);
    expect(() => renderStatement({ sql: "SELECT ? + ?", params: [1] })).toThrow(/1 parameters for 2/);
    expect(() => renderStatement({ sql: "SELECT ?", params: [1, 2] })).toThrow(/2 parameters for 1/);
    expect(() => renderStatement({ sql: "SELECT ?", params: ["a\u0000b"] })).toThrow(/NUL/);
    expect(renderStatement({ sql: "SELECT ?, ?, ?", params: [null, 1.5, "o'k"] })).toBe(
      "SELECT NULL, 1.5, 'o''k'",
    );
  });

  it("commit every script of a concurrent burst, fail only a bad one, keep transactions whole, and close after all", async () => {
    const path = join(dir, "burst.db");
    const db = await openDatabase(path);
    await db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, lane INTEGER NOT NULL)");
    const insert = (id: number, lane: number) => ({
      sql: "INSERT INTO t (id, lane) VALUES (?, ?)",
      params: [id, lane],
    });
    let id = 0;
    const work: Promise<unknown>[] = [];
    // 16 lanes, each writing 50 scripts one after another, as conversations do; a transaction and a duplicate
    // key join in the middle of the stream.
    for (let lane = 0; lane < 16; lane++) {
      work.push(
        (async () => {
          for (let i = 0; i < 50; i++) {
            await db.script([insert(++id, lane)]);
            if (lane === 3 && i === 20) {
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
    expect(await duplicate).toMatch(/UNIQUE/);
    // Scripts still in flight when close is called are written before the file is closed.
    const late = [db.script([insert(200_001, -2)]), db.script([insert(200_002, -2)])];
    await db.close();
    await Promise.all(late);
    const again = await openDatabase(path);
    const count = await again.get<{ n: number }>("SELECT count(*) AS n FROM t WHERE lane >= 0 AND lane < 16");
    expect(count?.n).toBe(800);
    const tx = await again.all<{ id: number }>("SELECT id FROM t WHERE lane < 0 ORDER BY id");
    expect(tx.map((r) => r.id)).toEqual([100_001, 100_002, 200_001, 200_002]);
    await again.close();
  });
});

describe("migrations", () => {
  it("upgrade a database that only knew PRAGMA user_version, and start again on it", async () => {
    const path = join(dir, "legacy.db");
    // What the first releases left: the tables of migrations 1 and 2, user_version 2, no schema_migrations.
    const raw = new sqlite3.Database(path);
    const exec = (sql: string) => new Promise<void>((ok, fail) => raw.exec(sql, (e) => (e ? fail(e) : ok())));
    for (const m of MIGRATIONS.filter((m) => m.version <= 2)) await exec(m.sql);
    await exec(
      "PRAGMA user_version = 2; INSERT INTO conversations (id, channel, mode, risk, state, subscribed, created_at, updated_at) VALUES ('old', 'web', 'bot', 'none', '{}', 0, '2026-11-01', '2026-11-01');",
    );
    await new Promise((ok) => raw.close(ok));
    for (let start = 0; start < 2; start++) {
      const db = await openDatabase(path);
      expect(await db.get<{ n: number }>("SELECT count(*) AS n FROM conversations")).toEqual({ n: 1 });
      await db.close();
    }
  });
});
