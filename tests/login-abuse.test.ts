import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { buildServer } from "../bot/server.js";
import { createLoginThrottle, type LoginLimits } from "../bot/web/login-throttle.js";
import { serverSecret } from "../store/secrets.js";
import { createWindowedCounters, type WindowedCounters } from "../store/windowed-counters.js";
import { testAssistant } from "./helpers.js";
import { forEachStore } from "./stores.js";

/**
 * Password guessing against the console: counted before hashing, by the socket's address unless a proxy is
 * configured, and never a way to lock a counselor out of their own account.
 */
let a: Awaited<ReturnType<typeof testAssistant>> | undefined;
let app: FastifyInstance | undefined;
/** Set by setup(): the server and assistant of the current test. */
const the = () => ({ a: a as NonNullable<typeof a>, app: app as NonNullable<typeof app> });
forEachStore(() => {
  afterEach(async () => {
    await app?.close();
    await a?.cleanup();
    app = undefined;
    a = undefined;
  });

  async function setup(options: Parameters<typeof buildServer>[1] = {}) {
    a = await testAssistant();
    app = await buildServer(a, { loginLimits: { pauseMs: 5, maxPauseMs: 20 }, ...options });
    await a.staff.add({ username: "wang", password: "counselor-pass", role: "counselor", shifts: [] });
  }

  const attempt = (password: string, remoteAddress: string, headers: Record<string, string> = {}) =>
    the().app.inject({
      method: "POST",
      url: "/console/api/login",
      remoteAddress,
      headers,
      payload: { username: "wang", password },
    });

  /** A throttle on the test's database, as the server builds it; `tallies` counts its reads that have answered. */
  const tallies = { n: 0 };
  const throttleOn = async (
    limits?: Partial<LoginLimits>,
    clock?: () => number,
    sleep?: (ms: number) => Promise<void>,
  ) => {
    a ??= await testAssistant();
    const counters = createWindowedCounters(a.db, await serverSecret(a.db, "rate-limit-keys"));
    const counted: WindowedCounters = {
      ...counters,
      tally: async (...args) => {
        const t = await counters.tally(...args);
        tallies.n++;
        return t;
      },
    };
    return createLoginThrottle(counted, limits, clock, sleep);
  };

  const audited = async (action: string) =>
    (await the().a.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM audit_log WHERE action = ?", [action]))
      ?.n ?? 0;

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
      const counted = await the().a.db.all<{ detail: string }>(
        "SELECT detail FROM audit_log WHERE action = 'login_refused' ORDER BY id",
      );
      expect(counted.map((r) => r.detail).sort()).toEqual([
        "address=203.0.113.7",
        "address=203.0.113.7; refusals=10",
      ]);
      const row = await the().a.db.get<{ detail: string; staff_id: number | null }>(
        "SELECT detail, staff_id FROM audit_log WHERE action = 'login_failed' LIMIT 1",
      );
      expect(row?.detail).toBe("address=203.0.113.7");
      expect(row?.staff_id).toBe((await the().a.staff.find("wang"))?.id);
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
        expect(
          (await attempt(`wrong-${i}`, "127.0.0.1", { "x-forwarded-for": "192.0.2.1" })).statusCode,
        ).toBe(401);
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

  describe("a flood of logins from one address", () => {
    it("stops hashing after 30 attempts of any outcome, correct passwords included", async () => {
      const throttle = await throttleOn();
      for (let i = 0; i < 30; i++) {
        const ok = await throttle.admit("203.0.113.40", "wang");
        expect(ok.admitted).toBe(true);
        if (ok.admitted) await ok.settle("ok");
      }
      expect(await throttle.admit("203.0.113.40", "wang")).toMatchObject({
        admitted: false,
        reason: "address",
      });
      // Another address is not affected.
      expect((await throttle.admit("203.0.113.41", "wang")).admitted).toBe(true);
    });
  });

  describe("the login slow lane", () => {
    it("lets a counselor who logged in from this address before pass a lane full of guesses, and caps the lane", async () => {
      let now = 0;
      const throttle = await throttleOn(
        { slowAfter: 2, pauseMs: 60_000, maxPauseMs: 60_000, laneDepth: 2 },
        () => now,
        () => new Promise<void>(() => undefined),
      );
      const home = await throttle.admit("198.51.100.50", "wang");
      if (!home.admitted) throw new Error("first attempt refused");
      await home.settle("ok");
      for (let i = 0; i < 2; i++) {
        const g = await throttle.admit(`192.0.2.${i}`, "wang");
        if (g.admitted) await g.settle("wrong");
      }
      // Guesses now queue behind a long pause (never-resolving here): the lane fills, then refuses at once. Each
      // joins the lane right after reading whether its address is the owner's.
      tallies.n = 0;
      void throttle.admit("192.0.2.100", "wang");
      void throttle.admit("192.0.2.101", "wang");
      while (tallies.n < 2) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setImmediate(r));
      expect(await throttle.admit("192.0.2.102", "wang")).toMatchObject({ admitted: false, reason: "lane" });
      // The counselor's own address skips the lane.
      const again = await Promise.race([
        throttle.admit("198.51.100.50", "wang"),
        new Promise((r) => setTimeout(() => r("waited"), 200)),
      ]);
      expect(again).toMatchObject({ admitted: true });
      now += 1;
    });

    it("does not count a busy answer as a success that clears the guesses", async () => {
      const throttle = await throttleOn();
      for (let i = 0; i < 4; i++) {
        const g = await throttle.admit("203.0.113.5", "li");
        if (g.admitted) await g.settle("wrong");
      }
      const busy = await throttle.admit("203.0.113.5", "li");
      if (busy.admitted) await busy.settle("busy");
      const fifth = await throttle.admit("203.0.113.5", "li");
      if (fifth.admitted) await fifth.settle("wrong");
      expect(await throttle.admit("203.0.113.5", "li")).toMatchObject({ admitted: false, reason: "pair" });
    });
  });
});
