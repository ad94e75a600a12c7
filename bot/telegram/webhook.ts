/**
 * Webhook mode: POST /telegram/webhook, refused without the secret token before the body is read, answered 200
 * only once the update is durably stored.
 */
import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { Update } from "grammy/types";
import { isUpdate } from "./updates.js";

export const WEBHOOK_PATH = "/telegram/webhook";

function secretMatches(expected: Buffer, given: unknown): boolean {
  if (typeof given !== "string") return false;
  const g = Buffer.from(given, "utf8");
  return g.length === expected.length && timingSafeEqual(g, expected);
}

export function webhookPlugin(options: {
  secret: string;
  /** True while another process runs the channel. */
  locked: () => boolean;
  /** Stores updates (and queues them); resolves once stored. */
  accept: (updates: readonly Update[]) => Promise<number>;
}): (app: FastifyInstance) => Promise<void> {
  const { accept } = options;
  const expected = Buffer.from(options.secret, "utf8");
  return async (app: FastifyInstance) => {
    app.post(
      WEBHOOK_PATH,
      {
        bodyLimit: 1024 * 1024,
        // Checked before the body is even read: a forged request costs nothing and stores nothing.
        onRequest: async (req, reply) => {
          if (!secretMatches(expected, req.headers["x-telegram-bot-api-secret-token"])) {
            return reply.status(401).send({ error: "unauthorized", message: "bad or missing secret token" });
          }
        },
      },
      async (req, reply) => {
        if (options.locked()) {
          // Another process runs the channel: a 503 makes Telegram deliver the update again, perhaps to it.
          return reply
            .status(503)
            .send({ error: "unavailable", message: "Telegram channel not running here" });
        }
        if (!isUpdate(req.body)) {
          return reply.status(400).send({ error: "bad_input", message: "not a Telegram update" });
        }
        // 200 only once the update is durably stored: a crash before this makes Telegram send it again.
        await accept([req.body]);
        return reply.status(200).send();
      },
    );
  };
}
