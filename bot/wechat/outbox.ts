import { AppError } from "../../core/app-error.js";
import type { Logger } from "../../core/logger.js";
import type { ChannelCheck, ChannelSender } from "../../handoff/outbound.js";
import type { ConversationStore } from "../../store/conversations.js";
import { wechatMessages } from "../messages.js";
import { type WechatApi, WechatApiError } from "./api.js";
import { openIdOf, WINDOW_MS } from "./ids.js";
import { renderReplies } from "./render.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Sending through the customer-service API: one line per person (in order), crisis replies beside it, retries
 * with back-off, the 48-hour window checked before a staff reply is stored.
 */
export function createWechatOutbox(deps: {
  api: WechatApi;
  conversations: ConversationStore;
  logger: Logger;
  now: () => Date;
  retryDelays: readonly number[];
}) {
  const { api, conversations, logger, now, retryDelays } = deps;
  /** Per person, sends one after another; a crisis reply never waits in this line. */
  const lanes = new Map<string, Promise<void>>();
  const inFlight = new Set<Promise<unknown>>();
  let stopped = false;
  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => undefined);
    return p;
  };

  async function sendWithRetry(openId: string, text: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await api.sendText(openId, text);
      } catch (err) {
        const delay = retryDelays[attempt];
        if ((err instanceof WechatApiError && err.unreachable) || delay === undefined || stopped) throw err;
        logger.warn({ err: describe(err), attempt }, "wechat: customer-service message failed; will retry");
        await sleep(delay);
      }
    }
  }

  /**
   * Sends texts in order; crisis texts go at once, beside whatever the person's line holds. `leaving` runs when
   * this send's turn in the line has come and the access token is in hand, right before the first request: a
   * send still waiting then has not left (a crash before it must send it again).
   */
  function send(
    openId: string,
    texts: readonly string[],
    crisis: boolean,
    leaving?: () => Promise<unknown>,
  ): Promise<void> {
    const run = async () => {
      if (leaving) {
        await api.accessToken();
        await leaving();
      }
      for (const t of texts) await sendWithRetry(openId, t);
    };
    if (crisis) return track(run());
    const prev = lanes.get(openId) ?? Promise.resolve();
    const next = prev.then(run, run);
    const tail = next.catch(() => undefined);
    lanes.set(openId, tail);
    void tail.then(() => {
      if (lanes.get(openId) === tail) lanes.delete(openId);
    });
    return track(next);
  }

  /** Whether WeChat still lets us write to this person: their last message (or follow) within 48 hours. */
  const check: ChannelCheck = async (conversationId) => {
    const last = await conversations.lastInbound(conversationId);
    const unfollowed = last ? (last.payload as { media?: string }).media === "unsubscribe" : true;
    if (!last || unfollowed || now().getTime() - Date.parse(last.createdAt) > WINDOW_MS)
      throw new AppError("conflict", wechatMessages.windowClosed);
  };

  const sender: ChannelSender = async (conversationId, m) => {
    const openId = openIdOf(conversationId);
    if (!openId) throw new AppError("not_found", "not a WeChat conversation");
    await check(conversationId);
    try {
      await send(openId, renderReplies([m]), m.kind === "crisis");
    } catch (err) {
      if (err instanceof WechatApiError && err.unreachable)
        throw new AppError("conflict", wechatMessages.windowClosedStored);
      logger.error({ err: describe(err), eventId: m.eventId }, "wechat: a message to a citizen failed");
      throw new AppError("unavailable", wechatMessages.sendFailed);
    }
  };

  return {
    track,
    send,
    check,
    sender,
    /** Whether something sent earlier is still on its way to this person. */
    busy: (openId: string) => lanes.has(openId),
    stopped: () => stopped,
    stop() {
      stopped = true;
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
