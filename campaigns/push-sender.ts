/** What a push channel (Telegram) gives the campaign dispatcher, and the answers it may throw back. */
import type { Reply } from "../handoff/reply.js";

export interface Delivery {
  id: number;
  campaignId: number;
  conversationId: string;
  channel: string;
}

/** The platform asked us to wait (HTTP 429, retry_after): every send on the channel waits, not just this one. */
export class RateLimited extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`rate limited for ${retryAfterMs} ms`);
  }
}
/** The person blocked the bot or is gone: they are unsubscribed, the delivery failed. */
export class Unreachable extends Error {}
/** The platform refused this message for good (a 400): failed at once, not retried. */
export class Rejected extends Error {}

/** A channel that hands campaign messages to its platform itself (Telegram). */
export interface PushSender {
  /** Campaign messages per second on this channel, all campaigns together. */
  rate: number;
  /** Sends in flight at once. Default 8. */
  concurrency?: number;
  /** Resolves with the platform's message id (null when it gave none); throws RateLimited, Unreachable, or else. */
  send(d: Delivery, reply: Reply): Promise<number | null>;
  /** The send's confirmation is committed: a journal may forget it. */
  committed?(d: Delivery): void;
}
