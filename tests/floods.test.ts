import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { buildServer } from "../bot/server.js";
import { testAssistant } from "./helpers.js";

/** Anonymous floods: many fresh conversations from one client, many open streams, a staff stream after logout. */
let a: Awaited<ReturnType<typeof testAssistant>>;
let app: FastifyInstance;
afterEach(async () => {
  app?.server.closeAllConnections();
  await app?.close();
  await a?.cleanup();
});

const post = (text: string, remoteAddress = "203.0.113.9", messageId?: string) =>
  app.inject({ method: "POST", url: "/api/chat", remoteAddress, payload: { text, messageId } });

describe("floods", () => {
  it("refuses a flood of fresh conversations from one client, but never one that reads as crisis", async () => {
    a = await testAssistant();
    app = await buildServer(a, { clientLimits: { conversations: 5, windowMs: 60_000 } });
    const codes = [];
    for (let i = 0; i < 12; i++) codes.push((await post("请问低保怎么申请")).statusCode);
    expect(codes.filter((c) => c === 200)).toHaveLength(5);
    for (let i = 0; i < 5; i++) await post("我不想活了", "198.51.100.77");
    const plain = await post("征地补偿标准是多少");
    expect(plain.statusCode).toBe(429);
    expect(plain.json().message).toContain("12356");
    // A message that reads as crisis is never refused: it reaches a case and a counselor.
    const atRisk = await post("我不想活了，今晚就走");
    expect(atRisk.statusCode).toBe(200);
    expect(atRisk.json().replies[0].kind).toBe("crisis");
    // The five crises from one address share one case (see case-joins.test.ts); the rate-limited client's is its own.
    expect((await a.db.all("SELECT id FROM cases")).length).toBe(2);
    // Another client is not affected; a retried first message is not a new conversation.
    expect((await post("你好", "198.51.100.4")).statusCode).toBe(200);
  });

  it("lets a retried first message through even when the client is at its limit", async () => {
    a = await testAssistant();
    app = await buildServer(a, { clientLimits: { conversations: 1, windowMs: 60_000 } });
    const id = "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d";
    const first = await post("我想问低保", "203.0.113.10", id);
    expect(first.statusCode).toBe(200);
    const retry = await post("我想问低保", "203.0.113.10", id);
    expect(retry.statusCode).toBe(200);
    expect(retry.json().duplicate).toBe(true);
  });

  it("caps the live streams one client may hold open", async () => {
    a = await testAssistant();
    app = await buildServer(a, { clientLimits: { streams: 2 } });
    await app.listen({ port: 0, host: "127.0.0.1" });
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const start = await (
      await fetch(`${base}/api/chat`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: "你好" }),
      })
    ).json();
    const open = () =>
      fetch(`${base}/api/conversations/${start.conversationId}/stream`, {
        headers: { authorization: `Bearer ${start.conversationToken}` },
      });
    const s1 = await open();
    const s2 = await open();
    const s3 = await open();
    expect([s1.status, s2.status, s3.status]).toEqual([200, 200, 429]);
    await s1.body?.cancel();
    await s2.body?.cancel();
  });

  it("ends a staff member's live stream when they log out", async () => {
    a = await testAssistant();
    app = await buildServer(a);
    await a.staff.add({ username: "wang", password: "counselor-pass", role: "counselor", shifts: [] });
    await app.listen({ port: 0, host: "127.0.0.1" });
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const login = await fetch(`${base}/console/api/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "wang", password: "counselor-pass" }),
    });
    const cookie = String(login.headers.get("set-cookie")).split(";")[0] ?? "";
    const { csrf } = (await login.json()) as { csrf: string };
    const stream = await fetch(`${base}/console/api/stream`, { headers: { cookie } });
    expect(stream.status).toBe(200);
    const reader = stream.body?.getReader();
    await reader?.read(); // the retry line
    await fetch(`${base}/console/api/logout`, { method: "POST", headers: { cookie, "x-csrf-token": csrf } });
    // The stream ends on its own within a few seconds; it would otherwise stay open for good.
    const ended = await Promise.race([
      (async () => {
        for (;;) if ((await reader?.read())?.done) return true;
      })(),
      new Promise<boolean>((r) => setTimeout(() => r(false), 8_000)),
    ]);
    expect(ended).toBe(true);
  }, 15_000);
});
