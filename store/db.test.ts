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
  it("refuse SQL with inline literals or the wrong number of parameters", () => {
    expect(() => renderStatement({ sql: "SELECT 'x' WHERE a = ?", params: [1] })).toThrow(/parameterised/);
    expect(() => renderStatement({ sql: "SELECT ? + ?", params: [1] })).toThrow(/1 parameters for 2/);
    expect(() => renderStatement({ sql: "SELECT ?", params: [1, 2] })).toThrow(/2 parameters for 1/);
    expect(() => renderStatement({ sql: "SELECT ?", params: ["a\u0000b"] })).toThrow(/NUL/);
    expect(renderStatement({ sql: "SELECT ?, ?, ?", params: [null, 1.5, "o'k"] })).toBe(
      "SELECT NULL, 1.5, 'o''k'",
    );
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
