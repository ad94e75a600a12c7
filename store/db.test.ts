import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase, renderStatement } from "./db.js";

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
});
