import { createHash, randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { AppError } from "../core/app-error.js";
import type { Db } from "../store/db.js";
import { insertReturningId } from "../store/dialect.js";
import { parseShift, type StaffMember, type StaffRole, toStaff } from "./roster.js";

export const ROLES: readonly StaffRole[] = ["counselor", "supervisor", "department", "admin", "editor"];
const SESSION_HOURS = 12;

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

interface Row {
  id: number;
  username: string;
  display_name: string;
  role: StaffRole;
  department: string | null;
  password_hash: string;
  disabled: number;
}

export interface Session {
  staff: StaffMember;
  csrf: string;
}

type Argon2 = typeof import("argon2");
let argon2Module: Argon2 | undefined;
/** Loaded on first use (a login, a new account): the web chat's start-up does not pay for the native module. */
const argon2 = (): Argon2 => {
  argon2Module ??= createRequire(import.meta.url)("argon2") as Argon2;
  return argon2Module;
};

/**
 * argon2 hashes on libuv's thread pool, which sqlite3 shares: unbounded, a burst of logins stalls every citizen's
 * message behind it (8.8 s measured), and each hash keeps a core busy. One core is left to the citizens: at most
 * cores - 1 hashes at once, a short queue behind them, and beyond that a clear "busy" instead of a longer wait.
 */
/**
 * argon2id with one lane. The library's default of four lanes also runs four threads per hash, so even one hash at a
 * time took both cores of a small server away from citizens' messages; one lane costs the same CPU time on one core.
 * Hashes made with other settings still verify (their settings are inside them) and are redone at the next login.
 */
const hashOptions = () => ({ type: argon2().argon2id, parallelism: 1 }) as const;

function hashGate(concurrency = Math.max(1, availableParallelism() - 1), queue = 8) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (running >= concurrency) {
      if (waiting.length >= queue) throw new AppError("unavailable", "登录的人较多，请稍后再试");
      await new Promise<void>((r) => waiting.push(r));
    } else running++;
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

export function createStaffDirectory(db: Db, now: () => Date = () => new Date()) {
  const hashing = hashGate();
  const byUsername = (username: string) => db.get<Row>("SELECT * FROM staff WHERE username = ?", [username]);
  // Verifying against a real hash when the user does not exist keeps the timing the same: no username probing.
  let dummyHash: Promise<string> | undefined;

  return {
    async add(input: {
      username: string;
      password: string;
      role: StaffRole;
      displayName?: string;
      department?: string;
      shifts?: string[];
    }) {
      if (!/^[a-z0-9_.-]{2,32}$/i.test(input.username))
        throw new AppError("bad_input", "username: 2-32 letters, digits, _ . -");
      if (input.password.length < 10)
        throw new AppError("bad_input", "password must be at least 10 characters");
      if (!ROLES.includes(input.role))
        throw new AppError("bad_input", `role must be one of ${ROLES.join(", ")}`);
      const shifts = (input.shifts ?? []).flatMap(parseShift);
      const hash = await argon2().hash(input.password, hashOptions());
      return db.transaction(async (tx) => {
        if (await tx.get("SELECT 1 FROM staff WHERE username = ?", [input.username])) {
          throw new AppError("conflict", `user ${input.username} already exists`);
        }
        const staffId = await insertReturningId(
          tx,
          "INSERT INTO staff (username, display_name, role, department, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)",
          [
            input.username,
            input.displayName ?? input.username,
            input.role,
            input.department ?? null,
            hash,
            now().toISOString(),
          ],
        );
        for (const s of shifts) {
          await tx.run(
            "INSERT INTO shifts (staff_id, weekday, start_minute, end_minute) VALUES (?, ?, ?, ?)",
            [staffId, s.weekday, s.startMinute, s.endMinute],
          );
        }
        return staffId;
      });
    },

    async setShifts(username: string, specs: string[]) {
      const shifts = specs.flatMap(parseShift);
      await db.transaction(async (tx) => {
        const row = await tx.get<{ id: number }>("SELECT id FROM staff WHERE username = ?", [username]);
        if (!row) throw new AppError("not_found", `no user ${username}`);
        await tx.run("DELETE FROM shifts WHERE staff_id = ?", [row.id]);
        for (const s of shifts) {
          await tx.run(
            "INSERT INTO shifts (staff_id, weekday, start_minute, end_minute) VALUES (?, ?, ?, ?)",
            [row.id, s.weekday, s.startMinute, s.endMinute],
          );
        }
      });
    },

    async find(username: string): Promise<StaffMember | undefined> {
      const row = await byUsername(username);
      return row && !row.disabled ? toStaff(row) : undefined;
    },

    async login(username: string, password: string): Promise<{ token: string; session: Session }> {
      const row = await byUsername(username);
      let ok = false;
      let rehashed: string | undefined;
      await hashing(async () => {
        if (row && !row.disabled) {
          ok = await argon2().verify(row.password_hash, password);
          if (ok && argon2().needsRehash(row.password_hash, hashOptions()))
            rehashed = await argon2().hash(password, hashOptions());
        } else {
          dummyHash ??= argon2().hash(randomBytes(16).toString("hex"), hashOptions());
          await argon2().verify(await dummyHash, password);
        }
      });
      if (row && rehashed)
        await db.run("UPDATE staff SET password_hash = ? WHERE id = ? AND password_hash = ?", [
          rehashed,
          row.id,
          row.password_hash,
        ]);
      if (!row || !ok) throw new AppError("unauthorized", "用户名或密码错误");
      const token = randomBytes(32).toString("base64url");
      const csrf = randomBytes(24).toString("base64url");
      const at = now();
      await db.run(
        "INSERT INTO staff_sessions (token_hash, staff_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        [
          sha256(token),
          row.id,
          csrf,
          at.toISOString(),
          new Date(at.getTime() + SESSION_HOURS * 3600_000).toISOString(),
        ],
      );
      return { token, session: { staff: toStaff(row), csrf } };
    },

    async session(token: string | undefined): Promise<Session | undefined> {
      if (!token) return undefined;
      const row = await db.get<Row & { csrf: string; expires_at: string }>(
        `SELECT s.*, ss.csrf, ss.expires_at FROM staff_sessions ss JOIN staff s ON s.id = ss.staff_id WHERE ss.token_hash = ?`,
        [sha256(token)],
      );
      if (!row || row.disabled || row.expires_at <= now().toISOString()) return undefined;
      return { staff: toStaff(row), csrf: row.csrf };
    },

    async logout(token: string | undefined) {
      if (token) await db.run("DELETE FROM staff_sessions WHERE token_hash = ?", [sha256(token)]);
    },

    async list(): Promise<StaffMember[]> {
      const rows = await db.all<Row>("SELECT * FROM staff WHERE disabled = 0 ORDER BY role, username");
      return rows.map(toStaff);
    },
  };
}

export type StaffDirectory = ReturnType<typeof createStaffDirectory>;
