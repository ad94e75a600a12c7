import type { LiveHub } from "../../core/live-hub.js";
import type { Logger } from "../../core/logger.js";
import { COMPLAINT_TOPIC } from "../../handoff/complaint-context.js";
import { spikeMessages } from "../../handoff/messages.js";
import { type SpikeAlert, spikeHeadline } from "../../handoff/spike-watch.js";
import type { PostQueue } from "./post-queue.js";
import { escapeSlack } from "./texts.js";

/**
 * Spike alerts in the supervisors' channel: where and how many, the case numbers behind it (never the citizens'
 * words: those are in the console, where every view is audited) and the dashboard's address. A crisis spike is a
 * count only. The spike watch publishes each spike once, after storing it, so this posts each once.
 */
export function postSpikeAlerts(
  live: LiveHub,
  posts: PostQueue,
  o: { channel: string; consoleUrl?: string; logger: Logger; active: () => boolean },
): () => void {
  return live.subscribe(COMPLAINT_TOPIC, (e) => {
    if (e.type !== "spike" || !o.active()) return;
    const s = e.data as SpikeAlert;
    const lines = [spikeHeadline(s)];
    if (s.kind === "complaints" && s.cases.length) lines.push(spikeMessages.cases(s.cases));
    if (o.consoleUrl) lines.push(spikeMessages.open(`${o.consoleUrl}/dashboard`));
    posts
      .post({
        channel: o.channel,
        text: escapeSlack(lines.join("\n")),
        unfurl_links: false,
        unfurl_media: false,
      })
      .catch((err: unknown) => o.logger.error({ err, spikeId: s.spikeId }, "slack: spike alert not posted"));
  });
}
