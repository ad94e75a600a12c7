/**
 * Staff passwords are hashed with argon2id on one lane (one thread per hash), so a burst of logins cannot take every
 * core from citizens' messages; a hash made with the library's four-lane default is redone at its next login.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createStaffDirectory } from "../handoff/staff.js";
import { type Db, openDatabase } from "../store/db.js";
import { tempDir } from "./helpers.js";

const argon2 = createRequire(import.meta.url)("argon2") as typeof import("argon2");
const lanes = (hash: string) => Number(/,p=(\d+)/.exec(hash)?.[1]);

let db: Db;
let cleanup: () => void;
afterEach(async () => {
  await db.close();
  cleanup();
});

describe("staff password hashes", () => {
  it("are made on one lane, and an old four-lane hash is redone at the next successful login only", async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    db = await openDatabase(join(t.dir, "staff.db"));
    const staff = createStaffDirectory(db);
    await staff.add({ username: "li", password: "li-password-1", role: "counselor" });
    const hashOf = async (u: string) =>
      (await db.get<{ password_hash: string }>("SELECT password_hash FROM staff WHERE username = ?", [u]))
        ?.password_hash ?? "";
    expect(lanes(await hashOf("li"))).toBe(1);

    // An account whose hash was made with the library's default settings, as older installations have.
    await staff.add({ username: "wu", password: "wu-password-1", role: "counselor" });
    const old = await argon2.hash("wu-password-1", { type: argon2.argon2id });
    expect(lanes(old)).toBe(4);
    await db.run("UPDATE staff SET password_hash = ? WHERE username = ?", [old, "wu"]);

    await expect(staff.login("wu", "wrong-password-1")).rejects.toThrow();
    expect(await hashOf("wu")).toBe(old);
    await staff.login("wu", "wu-password-1");
    expect(lanes(await hashOf("wu"))).toBe(1);
    // The new hash still lets the same password in, and no other.
    await staff.login("wu", "wu-password-1");
    await expect(staff.login("wu", "wu-password-2")).rejects.toThrow();
  });
});
