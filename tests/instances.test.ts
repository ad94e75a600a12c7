import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../bot/server.js";
import { createLiveHub, type LiveEvent } from "../core/live-hub.js";
import { createLogger } from "../core/logger.js";
import { startSweeper } from "../handoff/sweeper.js";
import { openDatabase } from "../store/db.js";
import { shareLiveHub } from "../store/shared-live-hub.js";
import { onDutyCounselor, testAssistant } from "./helpers.js";
import { startTestPostgres, type TestPostgres } from "./postgres-server.js";

/**
 * Two instances of the server on one PostgreSQL database, as a deployment runs them behind a reverse proxy: what
 * one instance stores and publishes, the other serves, and once-only work happens once.
 */

const CHILD = fileURLToPath(new URL("./fixtures/instance-child.ts", import.meta.url));

let server: TestPostgres;
beforeAll(async () => {
  server = await startTestPostgres();
}, 60_000);
afterAll(async () => server?.stop());

const until = async (ok: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe("two instances on one PostgreSQL database", () => {
  it("a crisis message on A, claimed and answered by a counselor on B, reaches the citizen's stream on A", async () => {
    const url = await server.freshDatabase();
    const a = await testAssistant({ dbPath: url });
    const b = await testAssistant({ dbPath: url });
    const apps: FastifyInstance[] = [];
    try {
      const appA = await buildServer(a);
      apps.push(appA);
      const address = await appA.listen({ port: 0, host: "127.0.0.1" });
      const wang = await onDutyCounselor(b);

      // The citizen writes to instance A, and keeps its live stream open there.
      const first = await fetch(`${address}/api/chat`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: "我不想活了" }),
      });
      const { conversationId, conversationToken } = (await first.json()) as {
        conversationId: string;
        conversationToken: string;
      };
      const stream = await fetch(`${address}/api/conversations/${conversationId}/stream`, {
        headers: { authorization: `Bearer ${conversationToken}` },
      });
      expect(stream.status).toBe(200);
      let received = "";
      const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      const reading = (async () => {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          received += decoder.decode(value, { stream: true });
        }
      })().catch(() => undefined);
      await until(() => received.includes("retry:"));

      // The counselor works on instance B: the case A opened is in B's queue.
      const [c] = await b.handoff.queue(wang);
      expect(c?.conversationId).toBe(conversationId);
      await b.handoff.claim(c?.id as string, wang);
      await b.handoff.reply(c?.id as string, wang, "您好，我是值班的王老师，我在这里陪着您");

      await until(() => received.includes("我在这里陪着您"));
      expect(received).toMatch(/event: reply/);
      await reader.cancel();
      await reading;

      // And the citizen's next message on A is not answered by the bot while the counselor on B holds the case.
      const next = await a.engine.handleMessage({ channel: "web", conversationId, text: "谢谢你" });
      expect(next.replies.map((r) => r.kind)).not.toContain("answer");
      expect((await a.conversations.get(conversationId))?.mode).toBe("human");
    } finally {
      for (const app of apps) {
        app.server.closeAllConnections();
        await app.close();
      }
      await b.cleanup();
      await a.cleanup();
    }
  });

  it("carries a long letter's live event to the other instance whole, and a short one as before", async () => {
    const url = await server.freshDatabase();
    const dbA = await openDatabase(url);
    const dbB = await openDatabase(url);
    const errors: unknown[] = [];
    const hubA = await shareLiveHub(
      createLiveHub(),
      dbA.broadcast as NonNullable<typeof dbA.broadcast>,
      (e) => errors.push(e),
    );
    const hubB = await shareLiveHub(
      createLiveHub(),
      dbB.broadcast as NonNullable<typeof dbB.broadcast>,
      (e) => errors.push(e),
    );
    try {
      const seen: LiveEvent[] = [];
      hubB.subscribe("case:feed", (e) => seen.push(e));
      // A citizen pastes a letter at the 4,096-character limit: Chinese, quotes, line breaks and emoji, whose
      // surrogate pairs may fall on a part's edge. As one NOTIFY it is three times too large.
      const letter = `尊敬的领导："我家门口的路"\n${"草原上的路坏了😢，请尽快修。".repeat(300)}`.slice(
        0,
        4096,
      );
      hubA.publish("case:feed", "message", { text: letter, from: "citizen" });
      hubA.publish("case:feed", "claimed", { by: "王老师" });
      await until(() => seen.length === 2);
      const long = seen.find((e) => e.type === "message");
      expect((long?.data as { text: string } | undefined)?.text).toBe(letter);
      expect(seen.find((e) => e.type === "claimed")?.data).toEqual({ by: "王老师" });
      await new Promise((r) => setTimeout(r, 200));
      expect(seen).toHaveLength(2);
      expect(errors).toEqual([]);
    } finally {
      await hubA.close();
      await hubB.close();
      await dbA.close();
      await dbB.close();
    }
  });

  it("loses and doubles nothing when A is killed mid-burst and B takes the redelivered messages", async () => {
    const url = await server.freshDatabase();
    const child = spawn(process.execPath, ["--import", "tsx", CHILD], {
      env: { ...process.env, SHOUWANG_TEST_URL: url },
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    const exited = new Promise((resolve) => child.once("exit", (_code, signal) => resolve(signal)));
    const done: string[] = [];
    const ready = new Promise<void>((resolve) =>
      child.on("message", (m: string) => {
        if (m === "ready") return resolve();
        done.push(m);
        // Killed as the tenth turn is stored: the others are in flight, half-written or not begun.
        if (done.length === 10) child.kill("SIGKILL");
      }),
    );
    await ready;
    // Eight citizens, five messages each, all sent at once: a platform delivering a burst.
    const TEXTS = ["老板拖欠工资怎么办", "怎么申请劳动仲裁", "需要什么材料", "要多久", "谢谢"];
    const burst = Array.from({ length: 8 }, (_, c) =>
      TEXTS.map((text, k) => ({ conversationId: `w-${c}`, messageId: `w-${c}-${k}`, text })),
    ).flat();
    child.send(burst);
    expect(await exited).toBe("SIGKILL");
    expect(done.length).toBeLessThan(burst.length);

    // The platform redelivers everything A never confirmed (here: all of it, the confirmed too) to B.
    const b = await testAssistant({ dbPath: url });
    try {
      const results = await Promise.all(burst.map((m) => b.engine.handleMessage({ channel: "web", ...m })));
      for (const [i, r] of results.entries()) {
        expect(r.replies.length, burst[i]?.messageId).toBeGreaterThan(0);
        if (done.includes(burst[i]?.messageId ?? "")) expect(r.duplicate, burst[i]?.messageId).toBe(true);
      }
      for (let c = 0; c < 8; c++) {
        const events = await b.conversations.events(`w-${c}`);
        const inbound = events
          .filter((e) => e.type === "inbound")
          .map((e) => (e.payload as { text?: string }).text);
        expect(inbound).toEqual(TEXTS);
      }
      const keys = await b.db.all<{ n: number }>(
        "SELECT COUNT(*) AS n FROM inbound_keys WHERE external_id LIKE 'w-%' GROUP BY external_id HAVING COUNT(*) > 1",
      );
      expect(keys).toEqual([]);
    } finally {
      await b.cleanup();
    }
  });

  it("runs the sweeper on one instance only, and on the survivor once the holder is gone", async () => {
    const url = await server.freshDatabase();
    const dbs = [await openDatabase(url), await openDatabase(url)];
    const runs = [0, 0];
    const logger = createLogger({ level: "silent" });
    const leases = dbs.map((db) => db.lease("sweepers"));
    const stops = dbs.map((_, i) =>
      startSweeper(
        [
          {
            name: "count",
            run: async () => {
              runs[i] = (runs[i] ?? 0) + 1;
            },
          },
        ],
        logger,
        20,
        leases[i],
      ),
    );
    try {
      await until(() => (runs[0] ?? 0) + (runs[1] ?? 0) >= 10);
      const holder = runs[0] ? 0 : 1;
      const other = 1 - holder;
      expect(runs[other]).toBe(0);
      expect(leases[holder]?.held()).toBe(true);
      expect(leases[other]?.held()).toBe(false);

      // The holder dies (its connections close, as when its process is killed): the other takes over.
      stops[holder]?.();
      await dbs[holder]?.close();
      await until(() => (runs[other] ?? 0) >= 5, 15_000);
      expect(leases[other]?.held()).toBe(true);
    } finally {
      for (const stop of stops) stop();
      for (const db of dbs) await db.close().catch(() => undefined);
    }
  });
});
