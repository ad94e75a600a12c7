import { randomUUID } from "node:crypto";
import { gzipSync } from "node:zlib";
import cookie from "@fastify/cookie";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { AppError } from "../../core/app-error.js";
import { conversationTopic } from "../../core/live-hub.js";
import { projectPath } from "../../core/paths.js";
import type { Reply } from "../../handoff/reply.js";
import { isCrisis } from "../../intents/crisis-risk.js";
import type { Assistant } from "../assistant.js";
import { MAX_MESSAGE_CHARS } from "../engine.js";
import { messages } from "../messages.js";
import { pageWithScript } from "./client-bundle.js";
import type { ClientLimits } from "./client-limits.js";
import type { ConversationTokens } from "./conversation-tokens.js";
import { pageCsp } from "./page-security.js";
import { streamTopics } from "./sse.js";

const ConversationId = z.uuid({ message: "conversationId must be a UUID issued by this server" });

const ChatBody = z.object({
  conversationId: ConversationId.optional(),
  text: z.string({ message: "text is required and must be a string" }).max(MAX_MESSAGE_CHARS, {
    message: `text is longer than ${MAX_MESSAGE_CHARS} characters`,
  }),
  /** Client-generated id per message, so a retry over a flaky mobile network is answered once. */
  messageId: z
    .string()
    .min(8)
    .max(64)
    .regex(/^[\x21-\x7e]+$/, { message: "messageId must be printable ASCII (letters, digits, - _ : .)" })
    .optional(),
});

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

const UUID_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
/** How long a first message may be retried into the conversation it started. */
const RETRY_WINDOW_MS = 10 * 60_000;

/** The web chat's conversation cookie: HttpOnly, SameSite=Strict, only sent to the chat API. */
export const CONVERSATION_COOKIE = "sw_conv";
const COOKIE_MAX_AGE = 180 * 24 * 3600;

export interface ChatDeps {
  assistant: Assistant;
  tokens: ConversationTokens;
  secureCookies?: boolean;
  /** Shared by every instance on the database (see client-limits.ts). */
  limits: ClientLimits;
}

export async function chatRoutes(
  app: FastifyInstance,
  { assistant, tokens, secureCookies, limits }: ChatDeps,
) {
  await app.register(cookie);
  const r = app.withTypeProvider<ZodTypeProvider>();

  /** The token the request presents: `Authorization: Bearer` for API clients, else the page's cookie. */
  const presented = (req: FastifyRequest): string | undefined => {
    const auth = req.headers.authorization;
    if (auth?.startsWith("Bearer ")) return auth.slice(7).trim();
    return req.cookies[CONVERSATION_COOKIE];
  };
  /** The conversation the request may read and write, or an error; staff credentials never open one. */
  const holder = (req: FastifyRequest, id: string): void => {
    const token = presented(req);
    if (!token) throw new AppError("unauthorized", "请在开始对话的页面或应用里查看这段对话");
    // Someone else's conversation answers like a missing one: no oracle for which ids exist.
    if (tokens.verify(token) !== id) throw new AppError("not_found", "no such conversation");
  };
  // One small page, no framework, no CDN: it must load fast over a weak rural mobile connection.
  const page = pageWithScript(projectPath("bot", "web", "chat.html"), "chat");
  const pageGz = gzipSync(page);
  const etag = `"${pageGz.length.toString(16)}-${page.length.toString(16)}"`;
  const csp = pageCsp(page);

  r.get("/", async (req, reply) => {
    reply
      .header("content-type", "text/html; charset=utf-8")
      .header("cache-control", "no-cache")
      .header("etag", etag);
    reply.header("content-security-policy", csp);
    if (req.headers["if-none-match"] === etag) return reply.status(304).send();
    if (/\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""))) {
      return reply.header("content-encoding", "gzip").header("vary", "accept-encoding").send(pageGz);
    }
    return reply.send(page);
  });

  r.post("/api/chat", { schema: { body: ChatBody } }, async (req, reply) => {
    let token = presented(req);
    // A page cookie that no longer verifies (say, another installation's) starts afresh; a Bearer token that
    // does not verify is the client's mistake and is refused.
    if (token && !req.headers.authorization && !tokens.verify(token)) token = undefined;
    let conversationId: string;
    let issued: string | undefined;
    if (token) {
      const id = tokens.verify(token);
      if (!id) throw new AppError("unauthorized", "对话凭证无效，请刷新页面开始新的对话");
      if (req.body.conversationId && req.body.conversationId !== id)
        throw new AppError("forbidden", "这段对话不属于当前凭证");
      conversationId = id;
    } else {
      if (req.body.conversationId)
        throw new AppError(
          "unauthorized",
          "继续一段对话需要它的凭证（conversationToken）；新对话请不要带 conversationId",
        );
      // A retried first message finds its conversation again through its message id, but only a random (UUID)
      // id, which nobody else can know, and only while that conversation is new: a client that numbers its
      // messages 1, 2, 3 would otherwise hand one citizen's conversation to the next.
      const messageId = req.body.messageId;
      const derived = messageId && UUID_ID.test(messageId) ? tokens.conversationFor(messageId) : undefined;
      const existing = derived ? await assistant.conversations.get(derived) : undefined;
      const retry = existing !== undefined && Date.now() - Date.parse(existing.createdAt) < RETRY_WINDOW_MS;
      conversationId = derived && (retry || !existing) ? derived : randomUUID();
      // A flood of fresh conversations from one client (each would open a case and page counselors) is refused,
      // but never a message that reads as crisis: that one goes through to a case and a counselor.
      if (!retry && !(await limits.startConversation(req.ip))) {
        const risk = assistant.engine.understand(req.body.text).risk;
        const atRisk = isCrisis(risk.level) && !risk.reportOnly;
        if (!atRisk) throw new AppError("rate_limited", messages.tooManyConversations);
      }
      issued = tokens.issue(conversationId);
      reply.setCookie(CONVERSATION_COOKIE, issued, {
        httpOnly: true,
        sameSite: "strict",
        secure: secureCookies === true,
        path: "/api/",
        maxAge: COOKIE_MAX_AGE,
      });
    }
    const result = await assistant.engine.handleMessage({
      channel: "web",
      conversationId,
      messageId: req.body.messageId ? `${conversationId}:${req.body.messageId}` : undefined,
      // Fresh conversations from one client that each read as crisis join one case instead of paging each time.
      clientKey: tokens.clientKey(req.ip),
      text: req.body.text,
    });
    reply.header("cache-control", "no-store");
    return {
      conversationId: result.conversationId,
      // Returned once, when the conversation starts: API clients send it back as `Authorization: Bearer`.
      ...(issued ? { conversationToken: issued } : {}),
      replies: result.replies,
      duplicate: result.duplicate,
    };
  });

  r.get(
    "/api/conversations/:id/messages",
    { schema: { params: z.object({ id: ConversationId }) } },
    async (req, reply) => {
      holder(req, req.params.id);
      reply.header("cache-control", "no-store");
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
      holder(req, req.params.id);
      const free = limits.openStream(req.ip);
      if (!free) throw new AppError("rate_limited", "打开的页面太多，请关闭一些后再试");
      req.raw.on("close", free);
      streamTopics(assistant.live, [conversationTopic(req.params.id)], req, reply);
    },
  );
}
