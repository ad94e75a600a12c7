import type { AnyMiddlewareArgs, Middleware } from "@slack/bolt";
import type { Logger } from "../../../core/logger.js";
import type { SlackStore } from "../store.js";

/**
 * Global middleware: an Events API delivery whose event_id was already handled stops here. Slack redelivers
 * (X-Slack-Retry-Num over HTTP, retry_attempt over Socket Mode) when it did not see the ack in time, so the
 * first delivery has normally been received and is being processed.
 */
export function dedupeEvents(store: SlackStore, logger: Logger): Middleware<AnyMiddlewareArgs> {
  return async ({ body, context, next }) => {
    const b = body as { type?: unknown; event_id?: unknown };
    if (b.type === "event_callback" && typeof b.event_id === "string") {
      if (!(await store.firstSeen(`event:${b.event_id}`))) {
        logger.info(
          { eventId: b.event_id, retryNum: context.retryNum },
          "slack: duplicate event delivery ignored",
        );
        return;
      }
    }
    await next();
  };
}
