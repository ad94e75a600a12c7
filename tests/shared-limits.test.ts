import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { buildServer } from "../bot/server.js";
import { type Admission, createLoginThrottle, type LoginLimits } from "../bot/web/login-throttle.js";
import { type Db, openDatabase } from "../store/db.js";
import { serverSecret } from "../store/secrets.js";
import { createWindowedCounters } from "../store/windowed-counters.js";
import { testAssistant } from "./helpers.js";
import { forEachStore } from "./stores.js";

/**
 * Two instances on one database, as a deployment behind a reverse proxy that no longer pins a client to one
 * instance: what a client does on one counts on the other, so spreading over instances buys no more guesses and
 * no more conversations than one instance allows.
 */
type A = Awaited<ReturnType<typeof testAssistant>>;
const assistants: A[] = [];
const apps: FastifyInstance[] = [];
const dbs: Db[] = [];

forEachStore((store) => {
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    for (const a of assistants.splice(0).reverse()) await a.cleanup();
    for (const db of dbs.splice(0)) await db.close();
  });

  /** Two servers on one fresh database, with `wang` able to log in. */
  async function twoServers(options: Parameters<typeof buildServer>[1] = {}) {
    const a = await testAssistant();
    const b = await testAssistant({ dbPath: a.target });
    assistants.push(a, b);
    await a.staff.add({ username: "wang", password: "counselor-pass", role: "counselor", shifts: [] });
    const servers = [
      await buildServer(a, { loginLimits: { pauseMs: 5, maxPauseMs: 20 }, ...options }),
      await buildServer(b, { loginLimits: { pauseMs: 5, maxPauseMs: 20 }, ...options }),
    ] as const;
    apps.push(...servers);
    return servers;
  }

  /** Two login throttles, each on its own connection to one fresh database, as two instances build them. */
  async function twoThrottles(
    limits: Partial<LoginLimits> = {},
    clock: () => number = Date.now,
    sleeps: [(ms: number) => Promise<void>, (ms: number) => Promise<void>] = [noPause, noPause],
  ) {
    const target = await store.fresh();
    const on = async (sleep: (ms: number) => Promise<void>) => {
      const db = await openDatabase(target);
      dbs.push(db);
      return createLoginThrottle(
        createWindowedCounters(db, await serverSecret(db, "rate-limit-keys")),
        limits,
        clock,
        sleep,
      );
    };
    return [await on(sleeps[0]), await on(sleeps[1])] as const;
  }
  const noPause = async () => undefined;

  const login = (app: FastifyInstance, password: string, remoteAddress: string) =>
    app.inject({
      method: "POST",
      url: "/console/api/login",
      remoteAddress,
      payload: { username: "wang", password },
    });

  async function settled(admission: Admission | Promise<Admission>, outcome: "ok" | "wrong" | "busy") {
    const a = await admission;
    if (!a.admitted) throw new Error(`refused: ${a.reason}`);
    await a.settle(outcome);
  }

  describe("login guesses counted across instances", () => {
    it("locks an address out of an account after five wrong guesses split between two instances, on both, and only that address", async () => {
      const [first, second] = await twoServers();
      for (let i = 0; i < 3; i++)
        expect((await login(first, `wrong-${i}`, "203.0.113.7")).statusCode).toBe(401);
      for (let i = 3; i < 5; i++)
        expect((await login(second, `wrong-${i}`, "203.0.113.7")).statusCode).toBe(401);
      // Even the right password is refused from that address now, on either instance.
      expect((await login(first, "counselor-pass", "203.0.113.7")).statusCode).toBe(429);
      expect((await login(second, "counselor-pass", "203.0.113.7")).statusCode).toBe(429);
      // The account is not locked: its owner, elsewhere, logs in.
      expect((await login(second, "counselor-pass", "198.51.100.50")).statusCode).toBe(200);
    });

    it("checks five of a parallel burst of forty guesses split between two instances, and refuses the rest", async () => {
      const [a, b] = await twoThrottles();
      const burst = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).admit("203.0.113.8", "wang")),
      );
      const admitted = burst.filter((x) => x.admitted);
      expect(admitted).toHaveLength(5);
      expect(burst.filter((x) => !x.admitted && x.reason === "pair")).toHaveLength(35);
      for (const x of admitted) if (x.admitted) await x.settle("wrong");
      expect(await a.admit("203.0.113.8", "wang")).toMatchObject({ admitted: false, reason: "pair" });
      expect(await b.admit("203.0.113.8", "wang")).toMatchObject({ admitted: false, reason: "pair" });
    });

    it("stops an address after thirty attempts of any outcome split between two instances", async () => {
      const [a, b] = await twoThrottles();
      for (let i = 0; i < 30; i++) await settled((i < 15 ? a : b).admit("203.0.113.40", "wang"), "ok");
      expect(await a.admit("203.0.113.40", "wang")).toMatchObject({ admitted: false, reason: "address" });
      expect(await b.admit("203.0.113.40", "wang")).toMatchObject({ admitted: false, reason: "address" });
      expect((await b.admit("203.0.113.41", "wang")).admitted).toBe(true);
    });

    it("lets the guesses go once they leave the window, on the instance that refused them too", async () => {
      let now = 1_000_000;
      const [a, b] = await twoThrottles({}, () => now);
      for (let i = 0; i < 5; i++) await settled((i % 2 === 0 ? a : b).admit("203.0.113.9", "li"), "wrong");
      expect(await a.admit("203.0.113.9", "li")).toMatchObject({ admitted: false, reason: "pair" });
      now += 15 * 60_000;
      expect((await a.admit("203.0.113.9", "li")).admitted).toBe(true);
      expect((await b.admit("203.0.113.9", "li")).admitted).toBe(true);
    });
  });

  describe("the slow lane across instances", () => {
    it("pauses an account's attempts on one instance for failures counted on the other, longer as they grow", async () => {
      const pauses: number[] = [];
      const record = async (ms: number) => {
        pauses.push(ms);
      };
      const [a, b] = await twoThrottles({ slowAfter: 2, pauseMs: 100, maxPauseMs: 10_000 }, Date.now, [
        noPause,
        record,
      ]);
      await settled(a.admit("198.51.100.50", "wang"), "ok");
      await settled(b.admit("192.0.2.200", "wang"), "busy");
      expect(pauses).toHaveLength(0);
      for (const ip of ["192.0.2.1", "192.0.2.2"]) await settled(a.admit(ip, "wang"), "wrong");
      await settled(b.admit("192.0.2.50", "wang"), "busy");
      expect(pauses).toHaveLength(1);
      for (const ip of ["192.0.2.3", "192.0.2.4"]) await settled(a.admit(ip, "wang"), "wrong");
      await settled(b.admit("192.0.2.51", "wang"), "busy");
      expect(pauses).toHaveLength(2);
      expect(pauses[1]).toBeGreaterThan(pauses[0] ?? Number.POSITIVE_INFINITY);
      // The counselor logged in from their own address on the first instance: the second lets it past the lane.
      await settled(b.admit("198.51.100.50", "wang"), "ok");
      expect(pauses).toHaveLength(2);
    });
  });

  describe("new web conversations counted across instances", () => {
    const start = (app: FastifyInstance, text: string, remoteAddress: string) =>
      app.inject({ method: "POST", url: "/api/chat", remoteAddress, payload: { text } });

    it("refuses a client's fifth conversation on either instance after four split between them, never a crisis", async () => {
      const [first, second] = await twoServers({ clientLimits: { conversations: 4, windowMs: 60_000 } });
      for (const app of [first, second, first, second])
        expect((await start(app, "请问低保怎么申请", "203.0.113.9")).statusCode).toBe(200);
      expect((await start(first, "征地补偿标准是多少", "203.0.113.9")).statusCode).toBe(429);
      expect((await start(second, "征地补偿标准是多少", "203.0.113.9")).statusCode).toBe(429);
      const atRisk = await start(second, "我不想活了，今晚就走", "203.0.113.9");
      expect(atRisk.statusCode).toBe(200);
      expect(atRisk.json().replies[0].kind).toBe("crisis");
      expect((await start(first, "你好", "198.51.100.4")).statusCode).toBe(200);
    });
  });

  describe("the shared counts in the database", () => {
    it("hold no address or account name, and are deleted once they expire", async () => {
      const db = await openDatabase(await store.fresh());
      dbs.push(db);
      const counters = createWindowedCounters(db, await serverSecret(db, "rate-limit-keys"));
      await counters.record([{ key: "pair:203.0.113.7|wang", at: 1_000, keepMs: 60_000 }]);
      await counters.record([{ key: "ip:203.0.113.7", at: 200_000, keepMs: 60_000 }]);
      const rows = await db.all<{ key: string }>("SELECT key FROM rate_hits");
      expect(rows).toHaveLength(1);
      expect(rows.filter((r) => /203\.0\.113|wang/.test(r.key))).toEqual([]);
      expect((await counters.tally(["ip:203.0.113.7"], 0)).get("ip:203.0.113.7")?.count).toBe(1);
    });
  });
});
