import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyServerOptions,
} from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { AppError, isAppError } from "../core/app-error.js";
import { serverSecret } from "../store/secrets.js";
import { createWindowedCounters } from "../store/windowed-counters.js";
import type { Assistant } from "./assistant.js";
import { campaignRoutes } from "./web/campaign-routes.js";
import { chatRoutes } from "./web/chat-routes.js";
import { createClientLimits } from "./web/client-limits.js";
import { complaintRoutes } from "./web/complaint-routes.js";
import { consoleRoutes } from "./web/console-routes.js";
import { createConversationTokens } from "./web/conversation-tokens.js";
import { dashboardRoutes } from "./web/dashboard-routes.js";
import { createLoginThrottle, type LoginLimits } from "./web/login-throttle.js";

export interface ServerOptions {
  /** Extra plugins (console, Slack, Telegram webhook) registered by the composition root. */
  plugins?: ((app: FastifyInstance) => Promise<void> | void)[];
  secureCookies?: boolean;
  /** Per-address limits on new web conversations and open citizen streams. */
  clientLimits?: Parameters<typeof createClientLimits>[1];
  /** Login throttling limits (tests shorten the pauses). */
  loginLimits?: Partial<LoginLimits>;
  /** Reverse proxies whose X-Forwarded-For is believed; none by default (a client could forge the header). */
  trustedProxies?: string[];
  /** Sees every route as it is registered (the security tests enumerate the console's routes with it). */
  onRoute?: (route: { method: string | string[]; url: string }) => void;
}

/** Maps every failure to `{ error, message }` with a status a client can act on; internals never leak. */
function errorHandler(
  this: FastifyInstance,
  err: FastifyError | AppError,
  _req: unknown,
  reply: FastifyReply,
) {
  if (isAppError(err)) return reply.status(err.httpStatus).send({ error: err.code, message: err.message });
  const fe = err as FastifyError & { validation?: unknown[] };
  if (fe.validation)
    return reply.status(400).send({ error: "bad_input", message: `invalid request: ${fe.message}` });
  if (
    fe.code === "FST_ERR_CTP_INVALID_JSON_BODY" ||
    fe.code === "FST_ERR_CTP_EMPTY_JSON_BODY" ||
    (fe.statusCode === 400 && fe instanceof SyntaxError)
  ) {
    return reply.status(400).send({ error: "bad_input", message: "request body is not valid JSON" });
  }
  if (fe.code === "FST_ERR_CTP_BODY_TOO_LARGE")
    return reply.status(413).send({ error: "too_large", message: "request body too large" });
  if (fe.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
    return reply
      .status(415)
      .send({ error: "bad_input", message: "send JSON (Content-Type: application/json)" });
  }
  // fastify's own messages can quote the request (a bad URL, a header): a fixed message instead.
  if (fe.statusCode && fe.statusCode < 500)
    return reply.status(fe.statusCode).send({
      error: "bad_input",
      message: fe.code === "FST_ERR_BAD_URL" ? "invalid URL" : "invalid request",
    });
  this.log.error({ err }, "unhandled error");
  return reply
    .status(500)
    .send({ error: "internal", message: "internal error; your message was not lost if it was acknowledged" });
}

type CompilersFactory = NonNullable<
  NonNullable<FastifyServerOptions["schemaController"]>["compilersFactory"]
>;
// fastify types its factories for ajv's schemas; ours compile zod schemas, which the type cannot express.
const zodCompilers = {
  buildValidator: () => validatorCompiler,
  buildSerializer: () => serializerCompiler,
} as unknown as CompilersFactory;

export async function buildServer(
  assistant: Assistant,
  options: ServerOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    // Per-request access logs stay off (info level); warnings and errors still reach the log.
    loggerInstance: assistant.logger.child({ component: "http" }, { level: "warn" }) as FastifyBaseLogger,
    bodyLimit: 64 * 1024,
    // A reverse proxy on this host (nginx on loopback) is believed by default, so citizens behind it are not all
    // one address; anything else only when configured.
    trustProxy:
      options.trustedProxies && options.trustedProxies.length > 0
        ? options.trustedProxies
        : ["127.0.0.1", "::1"],
    // Every route is validated and serialised by zod: handing fastify the zod compilers up front keeps it from
    // loading ajv and fast-json-stringify, about 80 ms of a start-up that must stay under 1.5 s.
    schemaController: { compilersFactory: zodCompilers },
    // A malformed URL is refused by the router before any route: in our shape, without quoting it back.
    frameworkErrors: (error, _req, reply) =>
      (reply as unknown as FastifyReply).status(400).send({
        error: "bad_input",
        message: error.code === "FST_ERR_BAD_URL" ? "invalid URL" : "invalid request",
      }),
  });
  if (options.onRoute) {
    const onRoute = options.onRoute;
    app.addHook("onRoute", (route) => onRoute({ method: route.method, url: route.url }));
  }
  app.setErrorHandler(errorHandler);
  // Every response: no sniffing, no framing, no referrer; API answers carry personal data and are never cached.
  app.addHook("onSend", async (req, reply, payload) => {
    reply.header("x-content-type-options", "nosniff");
    reply.header("x-frame-options", "DENY");
    reply.header("referrer-policy", "no-referrer");
    if (!reply.hasHeader("content-security-policy"))
      reply.header("content-security-policy", "default-src 'none'; frame-ancestors 'none'");
    if (req.url.startsWith("/api/") || req.url.startsWith("/console/api/"))
      reply.header("cache-control", "no-store");
    return payload;
  });
  app.setNotFoundHandler((_req, reply) =>
    reply.status(404).send({ error: "not_found", message: "no such route" }),
  );

  app.get("/healthz", async () => ({ ok: true }));
  const tokens = createConversationTokens(await serverSecret(assistant.db, "conversation-token"));
  // In the database, so that instances sharing it share their rate limits and login throttles.
  const counters = createWindowedCounters(assistant.db, await serverSecret(assistant.db, "rate-limit-keys"));
  await app.register(chatRoutes, {
    assistant,
    tokens,
    secureCookies: options.secureCookies,
    limits: createClientLimits(counters, options.clientLimits),
  });
  await app.register(consoleRoutes, {
    staff: assistant.staff,
    handoff: assistant.handoff,
    live: assistant.live,
    presence: assistant.presence,
    db: assistant.db,
    throttle: createLoginThrottle(counters, options.loginLimits),
    secureCookies: options.secureCookies,
  });
  await app.register(complaintRoutes, {
    staff: assistant.staff,
    complaints: assistant.complaints,
    dispatch: assistant.dispatch,
    live: assistant.live,
  });
  await app.register(dashboardRoutes, {
    staff: assistant.staff,
    dashboard: assistant.dashboard,
    spikes: assistant.spikes,
    hotIssues: assistant.hotIssues,
    db: assistant.db,
  });
  await app.register(campaignRoutes, {
    staff: assistant.staff,
    campaigns: assistant.campaigns,
    dispatcher: assistant.dispatcher,
  });
  for (const plugin of options.plugins ?? []) await app.register(async (scope) => plugin(scope));
  return app;
}

export { AppError };
