import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { buildServer } from "../bot/server.js";
import { testAssistant } from "./helpers.js";

/**
 * Password guessing against the console: counted before hashing, by the socket's address unless a proxy is
 * configured, and never a way to lock a counselor out of their own account.
 */
let a: Awaited<ReturnType<typeof testAssistant>>;
let app: FastifyInstance;
afterEach(async () => {
  await app?.close();
  await a?.cleanup();
});

async function setup(options: Parameters<typeof buildServer>[1] = {}) {
  a = await testAssistant();
  app = await buildServer(a, { loginLimits: { pauseMs: 5, maxPauseMs: 20 }, ...options });
  await a.staff.add({ username: "wang", password: "counselor-pass", role: "counselor", shifts: [] });
}

const attempt = (password: string, remoteAddress: string, headers: Record<string, string> = {}) =>
  app.inject({
    method: "POST",
    url: "/console/api/login",
    remoteAddress,
    headers,
    payload: { username: "wang", password },
  });

const audited = async (action: string) =>
  (await a.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM audit_log WHERE action = ?", [action]))?.n ?? 0;

describe("console login under attack", () => {
  it("refuses a parallel burst before hashing it: 40 guesses at once, at most 5 checked, all audited", async () => {
    await setup();
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => attempt(`wrong-${i}-password`, "203.0.113.7")),
    );
    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 401).length).toBeLessThanOrEqual(5);
    expect(codes.filter((c) => c === 429).length).toBeGreaterThanOrEqual(35);
    // Every failure and every refusal is in the audit log, with the address.
    expect(await audited("login_failed")).toBe(codes.filter((c) => c === 401).length);
    // Refusals are counted and written at the 1st, 10th, 100th…: a flood of them is not a flood of writes.
    expect(await audited("login_refused")).toBe(2);
    const counted = await a.db.all<{ detail: string }>(
      "SELECT detail FROM audit_log WHERE action = 'login_refused' ORDER BY id",
    );
    expect(counted.map((r) => r.detail).sort()).toEqual([
      "address=203.0.113.7",
      "address=203.0.113.7; refusals=10",
    ]);
    const row = await a.db.get<{ detail: string; staff_id: number | null }>(
      "SELECT detail, staff_id FROM audit_log WHERE action = 'login_failed' LIMIT 1",
    );
    expect(row?.detail).toBe("address=203.0.113.7");
    expect(row?.staff_id).toBe((await a.staff.find("wang"))?.id);
  });

  it("does not let X-Forwarded-For choose the address unless a proxy is configured", async () => {
    await setup();
    for (let i = 0; i < 5; i++)
      expect(
        (await attempt(`wrong-${i}`, "198.51.100.1", { "x-forwarded-for": `192.0.2.${i}` })).statusCode,
      ).toBe(401);
    expect((await attempt("wrong-x", "198.51.100.1", { "x-forwarded-for": "192.0.2.99" })).statusCode).toBe(
      429,
    );
  });

  it("believes X-Forwarded-For from a configured proxy", async () => {
    await setup({ trustedProxies: ["127.0.0.1"] });
    for (let i = 0; i < 5; i++)
      expect((await attempt(`wrong-${i}`, "127.0.0.1", { "x-forwarded-for": "192.0.2.1" })).statusCode).toBe(
        401,
      );
    // Another client behind the same proxy is not blocked by the first one's guesses.
    expect(
      (await attempt("counselor-pass", "127.0.0.1", { "x-forwarded-for": "192.0.2.2" })).statusCode,
    ).toBe(200);
  });

  it("cannot lock a counselor out: guesses from many addresses slow the account, the right password still works", async () => {
    await setup();
    for (let i = 0; i < 30; i++)
      expect((await attempt(`wrong-${i}`, `192.0.2.${i + 1}`)).statusCode).toBe(401);
    const mine = await attempt("counselor-pass", "198.51.100.50");
    expect(mine.statusCode).toBe(200);
    expect(mine.json().user.username).toBe("wang");
  });
});
