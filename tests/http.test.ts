import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../bot/server.js";
import { testAssistant } from "./helpers.js";

let a: Awaited<ReturnType<typeof testAssistant>>;
let app: FastifyInstance;

beforeAll(async () => {
  a = await testAssistant();
  app = await buildServer(a);
});
afterAll(async () => {
  await app.close();
  await a.cleanup();
});

const chat = (payload: unknown, headers: Record<string, string> = { "content-type": "application/json" }) =>
  app.inject({
    method: "POST",
    url: "/api/chat",
    headers,
    payload: typeof payload === "string" ? payload : JSON.stringify(payload),
  });

describe("HTTP API", () => {
  it("GET /healthz", async () => {
    const r = await app.inject("/healthz");
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ ok: true });
  });

  it("starts a conversation, answers, and keeps it for the next message and a reload", async () => {
    const r = await chat({ text: "被电信诈骗了钱还能追回来吗" });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.conversationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.replies[0].text.length).toBeGreaterThan(20);
    const again = await chat({ conversationId: body.conversationId, text: "谢谢" });
    expect(again.json().conversationId).toBe(body.conversationId);
    const history = await app.inject(`/api/conversations/${body.conversationId}/messages`);
    const lines = history.json().messages as { from: string; text: string }[];
    expect(lines.map((l) => l.from)).toEqual(["citizen", "bot", "citizen", "bot"]);
    expect(lines[0]?.text).toBe("被电信诈骗了钱还能追回来吗");
  });

  it("answers a retried first message once, in one conversation, when the page chose the id", async () => {
    const conversationId = "7f6c2a4e-1b2d-4c3e-9f00-123456789abc";
    const first = await chat({ conversationId, text: "我不想活了", messageId: "first-0001" });
    const retry = await chat({ conversationId, text: "我不想活了", messageId: "first-0001" });
    expect(first.json().conversationId).toBe(conversationId);
    expect(retry.json().duplicate).toBe(true);
    expect(retry.json().replies).toEqual(first.json().replies);
    const cases = await a.db.all("SELECT id FROM cases WHERE conversation_id = ?", [conversationId]);
    expect(cases).toHaveLength(1);
  });

  it("answers a retried message id once", async () => {
    const first = await chat({ text: "你好", messageId: "retry-0001" });
    const id = first.json().conversationId;
    const second = await chat({ conversationId: id, text: "你好", messageId: "retry-0001" });
    expect(second.json().duplicate).toBe(true);
    const history = await app.inject(`/api/conversations/${id}/messages`);
    expect(history.json().messages.filter((m: { from: string }) => m.from === "citizen")).toHaveLength(1);
  });

  it.each([
    ["malformed JSON", '{"text": ', /JSON/],
    ["missing text", { conversationId: undefined }, /text/],
    ["text of the wrong type", { text: 42 }, /text/],
    ["empty text", { text: "  " }, /empty/],
    ["oversized text", { text: "字".repeat(4097) }, /4096/],
    ["binary text", { text: "\u0000\u0001\u0002" }, /binary/],
    ["a conversation id that is not a UUID", { conversationId: "../../etc/passwd", text: "你好" }, /UUID/],
  ])("rejects %s with a 4xx and a clear message", async (_name, payload, message) => {
    const r = await chat(payload);
    expect(r.statusCode).toBeGreaterThanOrEqual(400);
    expect(r.statusCode).toBeLessThan(500);
    expect(r.json().message).toMatch(message);
  });

  it("rejects a body over 64 KB and a non-JSON content type", async () => {
    expect((await chat({ text: "x".repeat(70_000) })).statusCode).toBe(413);
    const r = await chat("text=hi", { "content-type": "application/x-www-form-urlencoded" });
    expect(r.statusCode).toBe(415);
  });

  it("keeps hostile strings as text: stored and echoed back verbatim, never as markup", async () => {
    const hostile = "<script>alert(1)</script>'; DROP TABLE events; --";
    const r = await chat({ text: hostile });
    expect(r.statusCode).toBe(200);
    const history = await app.inject(`/api/conversations/${r.json().conversationId}/messages`);
    expect(history.json().messages[0].text).toBe(hostile);
  });

  it("serves the chat page compressed, with no third-party assets", async () => {
    const r = await app.inject({ url: "/", headers: { "accept-encoding": "gzip" } });
    expect(r.statusCode).toBe(200);
    expect(r.headers["content-encoding"]).toBe("gzip");
    expect(r.rawPayload.length).toBeLessThan(8_000);
    const plain = await app.inject("/");
    expect(plain.body).toContain("守望");
    expect(plain.body).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/);
  });

  it("returns 404 for an unknown conversation", async () => {
    const r = await app.inject("/api/conversations/00000000-0000-4000-8000-000000000000/messages");
    expect(r.statusCode).toBe(404);
  });
});
