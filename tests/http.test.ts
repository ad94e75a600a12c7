import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../bot/server.js";
import { testAssistant } from "./helpers.js";
import { forEachStore } from "./stores.js";

let a: Awaited<ReturnType<typeof testAssistant>>;
let app: FastifyInstance;

forEachStore(() => {
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
  const bearer = (token: string) => ({
    "content-type": "application/json",
    authorization: `Bearer ${token}`,
  });
  const history = (id: string, token?: string) =>
    app.inject({
      url: `/api/conversations/${id}/messages`,
      headers: token ? { authorization: `Bearer ${token}` } : {},
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
      expect(body.conversationToken).toMatch(new RegExp(`^${body.conversationId}\\.`));
      expect(body.replies[0].text.length).toBeGreaterThan(20);
      const again = await chat({ text: "谢谢" }, bearer(body.conversationToken));
      expect(again.json().conversationId).toBe(body.conversationId);
      // The token is handed out once, at the start.
      expect(again.json().conversationToken).toBeUndefined();
      const h = await history(body.conversationId, body.conversationToken);
      const lines = h.json().messages as { from: string; text: string }[];
      expect(lines.map((l) => l.from)).toEqual(["citizen", "bot", "citizen", "bot"]);
      expect(lines[0]?.text).toBe("被电信诈骗了钱还能追回来吗");
    });

    it("answers a retried first message once, in one conversation, though the first reply never arrived", async () => {
      const messageId = "5f0c8a2e-3b4d-4e6f-8a9b-0c1d2e3f4a5b";
      const first = await chat({ text: "我不想活了", messageId });
      const retry = await chat({ text: "我不想活了", messageId });
      const conversationId = first.json().conversationId;
      expect(retry.json().conversationId).toBe(conversationId);
      expect(retry.json().duplicate).toBe(true);
      expect(retry.json().replies).toEqual(first.json().replies);
      const cases = await a.db.all("SELECT id FROM cases WHERE conversation_id = ?", [conversationId]);
      expect(cases).toHaveLength(1);
    });

    it("answers a retried message id once", async () => {
      const first = await chat({ text: "你好", messageId: "retry-0001" });
      const { conversationId: id, conversationToken: token } = first.json();
      const second = await chat({ conversationId: id, text: "你好", messageId: "retry-0001" }, bearer(token));
      expect(second.json().duplicate).toBe(true);
      const h = await history(id, token);
      expect(h.json().messages.filter((m: { from: string }) => m.from === "citizen")).toHaveLength(1);
    });

    it.each([
      ["malformed JSON", '{"text": ', /JSON/],
      ["missing text", { conversationId: undefined }, /text/],
      ["text of the wrong type", { text: 42 }, /text/],
      ["empty text", { text: "  " }, /empty/],
      ["oversized text", { text: "字".repeat(4097) }, /4096/],
      ["binary text", { text: "\u0000\u0001\u0002" }, /binary/],
      ["a conversation id that is not a UUID", { conversationId: "../../etc/passwd", text: "你好" }, /UUID/],
      ["text of zero-width spaces only", { text: "\u200b\u200b\u200c\ufeff" }, /empty/],
      ["a message id with NUL", { text: "你好", messageId: "abc\u0000defgh" }, /messageId/],
      ["a message id with a lone surrogate", { text: "你好", messageId: "abcdefgh\ud800" }, /messageId/],
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
      const h = await history(r.json().conversationId, r.json().conversationToken);
      expect(h.json().messages[0].text).toBe(hostile);
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

    it("returns 404 for an unknown conversation, and 401 without a token", async () => {
      const mine = (await chat({ text: "你好" })).json();
      const r = await history("00000000-0000-4000-8000-000000000000", mine.conversationToken);
      expect(r.statusCode).toBe(404);
      expect((await history("00000000-0000-4000-8000-000000000000")).statusCode).toBe(401);
    });
  });

  describe("a conversation belongs to its citizen", () => {
    it("opens a conversation's transcript and stream only with its own token, never with the id alone", async () => {
      const alice = (await chat({ text: "我想咨询一下征地补偿" })).json();
      const bob = (await chat({ text: "你好" })).json();
      // The id is what staff screens show: alone it opens nothing.
      expect((await history(alice.conversationId)).statusCode).toBe(401);
      // Another citizen's token answers like a missing conversation.
      const other = await history(alice.conversationId, bob.conversationToken);
      expect(other.statusCode).toBe(404);
      expect(other.body).not.toContain("征地");
      const forged = await history(alice.conversationId, `${alice.conversationId}.AAAA`);
      expect(forged.statusCode).toBe(404);
      expect((await history(alice.conversationId, alice.conversationToken)).statusCode).toBe(200);
      const stream = await app.inject(`/api/conversations/${alice.conversationId}/stream`);
      expect(stream.statusCode).toBe(401);
    });

    it("refuses to post into a conversation without its token: no reply, nothing stored", async () => {
      const alice = (await chat({ text: "我家的草场被占了" })).json();
      const bob = (await chat({ text: "你好" })).json();
      const count = async () =>
        (
          await a.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM events WHERE conversation_id = ?", [
            alice.conversationId,
          ])
        )?.n;
      const before = await count();
      // As a clerk who saw the id on a complaint would try: answering the 回访 in the citizen's name.
      const asClerk = await chat({ conversationId: alice.conversationId, text: "已解决" });
      expect(asClerk.statusCode).toBe(401);
      const asBob = await chat(
        { conversationId: alice.conversationId, text: "5" },
        bearer(bob.conversationToken),
      );
      expect(asBob.statusCode).toBe(403);
      expect(await count()).toBe(before);
    });

    it("never hands one citizen's new conversation to another who reuses a guessable message id", async () => {
      const alice = (await chat({ text: "我家的事不想让别人知道", messageId: "msg-00000001" })).json();
      const bob = (await chat({ text: "我不想活了", messageId: "msg-00000001" })).json();
      expect(bob.conversationId).not.toBe(alice.conversationId);
      expect(bob.duplicate).toBe(false);
      expect(bob.replies[0].kind).toBe("crisis");
      const h = await history(bob.conversationId, bob.conversationToken);
      expect(h.body).not.toContain("不想让别人知道");
    });

    it("refuses ids the server did not issue, the nil UUID among them", async () => {
      for (const id of ["00000000-0000-0000-0000-000000000000", "7f6c2a4e-1b2d-4c3e-9f00-123456789abc"]) {
        const r = await chat({ conversationId: id, text: "你好" });
        expect(r.statusCode, id).toBe(401);
        expect(await a.conversations.get(id)).toBeUndefined();
      }
    });

    it("gives the page an HttpOnly, SameSite=Strict cookie for the chat API only", async () => {
      const r = await chat({ text: "你好" });
      const c = r.cookies.find((x) => x.name === "sw_conv");
      expect(c).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/api/" });
      expect(c?.value).toBe(r.json().conversationToken);
      // The cookie alone continues the conversation, as the page does.
      const next = await app.inject({
        method: "POST",
        url: "/api/chat",
        headers: { "content-type": "application/json", cookie: `sw_conv=${c?.value}` },
        payload: JSON.stringify({ text: "谢谢" }),
      });
      expect(next.json().conversationId).toBe(r.json().conversationId);
      expect(next.headers["cache-control"]).toBe("no-store");
    });
  });
});
