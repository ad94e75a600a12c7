import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { AppError } from "../app-error.js";
import type { Assistant } from "../assistant.js";
import { MAX_MESSAGE_CHARS } from "../engine.js";
import { projectPath } from "../paths.js";
import type { Reply } from "../reply.js";
import { streamTopics } from "./sse.js";

const ConversationId = z.uuid({ message: "conversationId must be a UUID issued by this server" });

const ChatBody = z.object({
  conversationId: ConversationId.optional(),
  text: z.string({ message: "text is required and must be a string" }).max(MAX_MESSAGE_CHARS, {
    message: `text is longer than ${MAX_MESSAGE_CHARS} characters`,
  }),
  /** Client-generated id per message, so a retry over a flaky mobile network is answered once. */
  messageId: z.string().min(8).max(64).optional(),
});

export const conversationTopic = (id: string) => `conversation:${id}`;

export interface TranscriptLine {
  id: number;
  from: "citizen" | "bot" | "staff";
  text: string;
  buttons?: Reply["buttons"];
  calls?: Reply["calls"];
  sender?: string;
  kind?: Reply["kind"];
  at: string;
}

export async function chatRoutes(app: FastifyInstance, { assistant }: { assistant: Assistant }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // One small page, no framework, no CDN: it must load fast over a weak rural mobile connection.
  const page = readFileSync(projectPath("bot", "web", "chat.html"));
  const pageGz = gzipSync(page);
  const etag = `"${pageGz.length.toString(16)}-${page.length.toString(16)}"`;

  r.get("/", async (req, reply) => {
    reply
      .header("content-type", "text/html; charset=utf-8")
      .header("cache-control", "no-cache")
      .header("etag", etag);
    reply.header(
      "content-security-policy",
      "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'",
    );
    if (req.headers["if-none-match"] === etag) return reply.status(304).send();
    if (/\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""))) {
      return reply.header("content-encoding", "gzip").header("vary", "accept-encoding").send(pageGz);
    }
    return reply.send(page);
  });

  r.post("/api/chat", { schema: { body: ChatBody } }, async (req) => {
    const conversationId = req.body.conversationId ?? randomUUID();
    const result = await assistant.engine.handleMessage({
      channel: "web",
      conversationId,
      messageId: req.body.messageId ? `${conversationId}:${req.body.messageId}` : undefined,
      text: req.body.text,
    });
    return { conversationId: result.conversationId, replies: result.replies, duplicate: result.duplicate };
  });

  r.get(
    "/api/conversations/:id/messages",
    { schema: { params: z.object({ id: ConversationId }) } },
    async (req) => {
      const conv = await assistant.conversations.get(req.params.id);
      if (!conv) throw new AppError("not_found", "no such conversation");
      const events = await assistant.conversations.transcript(req.params.id);
      const lines: TranscriptLine[] = events.map((e) => {
        const p = e.payload as Partial<Reply>;
        return {
          id: e.id,
          from: e.type === "inbound" ? "citizen" : e.actor === "bot" ? "bot" : "staff",
          text: p.text ?? "",
          ...(p.buttons ? { buttons: p.buttons } : {}),
          ...(p.calls ? { calls: p.calls } : {}),
          ...(p.sender ? { sender: p.sender } : {}),
          ...(p.kind ? { kind: p.kind } : {}),
          at: e.createdAt,
        };
      });
      return { conversationId: conv.id, messages: lines };
    },
  );

  r.get(
    "/api/conversations/:id/stream",
    { schema: { params: z.object({ id: ConversationId }) } },
    async (req, reply) => {
      streamTopics(assistant.live, [conversationTopic(req.params.id)], req, reply);
    },
  );
}
