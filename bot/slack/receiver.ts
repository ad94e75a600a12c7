import type { App, Receiver, ReceiverEvent } from "@slack/bolt";
import { verifySlackRequest } from "@slack/bolt";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "../../core/logger.js";

export interface FastifyReceiverOptions {
  signingSecret: string;
  logger: Logger;
  /** Events API request URL and interactivity URL (one endpoint serves both). */
  path?: string;
  /** Answer anyway after this long if no listener acknowledged (Slack gives up at 3 s). */
  ackTimeoutMs?: number;
  /** Clock for the timestamp check (tests). */
  nowMs?: () => number;
}

const MAX_SKEW_SECONDS = 5 * 60;
const BODY_LIMIT = 1024 * 1024;

type AckResponse = { status: number; body?: unknown };

const header = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * Bolt's HTTP side on the app's own fastify server. Every request is verified before anything else: the
 * v0 HMAC of `v0:{timestamp}:{raw body}` with the signing secret must match X-Slack-Signature, and
 * X-Slack-Request-Timestamp must be within 5 minutes of now (either way); otherwise 401 and nothing runs.
 * Events API deliveries are answered 200 at once and processed afterwards; interactive payloads are answered
 * by the listener's ack() (which may carry a response, e.g. modal errors).
 */
export class FastifyReceiver implements Receiver {
  private app: App | undefined;
  private readonly path: string;
  private readonly ackTimeoutMs: number;
  private readonly nowMs: () => number;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly options: FastifyReceiverOptions) {
    this.path = options.path ?? "/slack/events";
    this.ackTimeoutMs = options.ackTimeoutMs ?? 2500;
    this.nowMs = options.nowMs ?? Date.now;
  }

  init(app: App): void {
    this.app = app;
  }

  /** The server is fastify's: nothing to listen on here. */
  async start(): Promise<void> {}

  /** Waits for events still being processed after their ack. */
  async stop(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  /** A fastify plugin serving `path`; register it in its own scope (it reads bodies as raw text). */
  readonly plugin = async (scope: FastifyInstance): Promise<void> => {
    // The signature covers the exact bytes sent, so this scope keeps bodies as text and parses them itself.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", { parseAs: "string", bodyLimit: BODY_LIMIT }, (_req, body, done) =>
      done(null, body),
    );
    scope.post(this.path, { bodyLimit: BODY_LIMIT }, (req, reply) => this.handle(req, reply));
  };

  private verified(req: FastifyRequest, raw: string): boolean {
    const signature = header(req, "x-slack-signature");
    const timestamp = Number(header(req, "x-slack-request-timestamp"));
    if (!signature || !Number.isInteger(timestamp)) return false;
    // Bolt's check rejects stale timestamps; one from the future is refused here as well.
    if (Math.abs(Math.floor(this.nowMs() / 1000) - timestamp) > MAX_SKEW_SECONDS) return false;
    try {
      verifySlackRequest({
        signingSecret: this.options.signingSecret,
        body: raw,
        headers: { "x-slack-signature": signature, "x-slack-request-timestamp": timestamp },
        nowMilliseconds: this.nowMs(),
      });
      return true;
    } catch {
      return false;
    }
  }

  private parse(req: FastifyRequest, raw: string): Record<string, unknown> | undefined {
    try {
      const type = header(req, "content-type") ?? "";
      if (type.includes("application/x-www-form-urlencoded")) {
        const form = new URLSearchParams(raw);
        const payload = form.get("payload");
        return payload !== null
          ? (JSON.parse(payload) as Record<string, unknown>)
          : Object.fromEntries(form.entries());
      }
      const body = JSON.parse(raw) as unknown;
      return body && typeof body === "object" ? (body as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }

  private async handle(req: FastifyRequest, reply: FastifyReply) {
    const raw = typeof req.body === "string" ? req.body : "";
    if (!this.verified(req, raw)) {
      this.options.logger.warn({ ip: req.ip }, "slack: request with a bad or stale signature refused");
      return reply.status(401).send({ error: "unauthorized", message: "invalid Slack signature" });
    }
    const body = this.parse(req, raw);
    if (!body) return reply.status(400).send({ error: "bad_input", message: "unreadable Slack payload" });
    if (body.ssl_check) return reply.status(200).send();
    if (body.type === "url_verification") return reply.send({ challenge: body.challenge });
    const app = this.app;
    if (!app) return reply.status(503).send({ error: "unavailable", message: "Slack app not ready" });

    let settle: (r: AckResponse) => void = () => undefined;
    const answered = new Promise<AckResponse>((resolve) => {
      settle = resolve;
    });
    let acked = false;
    const answer = (r: AckResponse) => {
      if (acked) return;
      acked = true;
      settle(r);
    };
    // Events carry nothing to answer with: acknowledge before any work, well inside Slack's 3 s.
    if (body.type === "event_callback") answer({ status: 200 });
    const timer = setTimeout(() => {
      if (!acked) this.options.logger.warn({ type: body.type }, "slack: no ack in time, answering 200");
      answer({ status: 200 });
    }, this.ackTimeoutMs);

    const retryNum = Number(header(req, "x-slack-retry-num"));
    const event: ReceiverEvent = {
      body,
      retryNum: Number.isInteger(retryNum) ? retryNum : undefined,
      retryReason: header(req, "x-slack-retry-reason"),
      ack: async (response?: unknown) => answer({ status: 200, body: response }),
    };
    const work = app
      .processEvent(event)
      .catch((err: unknown) => {
        this.options.logger.error({ err, type: body.type }, "slack: processing failed");
        answer({ status: 500 });
      })
      .finally(() => {
        clearTimeout(timer);
        this.inFlight.delete(work);
      });
    this.inFlight.add(work);

    const r = await answered;
    if (r.body === undefined || r.body === "") return reply.status(r.status).send();
    if (typeof r.body === "string") return reply.status(r.status).type("text/plain").send(r.body);
    return reply.status(r.status).send(r.body);
  }
}
