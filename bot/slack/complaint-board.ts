import type { webApi } from "@slack/bolt";
import type { Logger } from "../../core/logger.js";
import type { ComplaintRecord } from "../../handoff/complaint-records.js";
import type { ComplaintService } from "../../handoff/complaints.js";
import { complaintCard, complaintFallback } from "./complaint-blocks.js";
import type { PostQueue } from "./post-queue.js";
import { createKeyedSerial } from "./serial.js";
import type { SlackComplaintCard, SlackStore } from "./store.js";
import { escapeSlack } from "./texts.js";

export interface ComplaintBoardDeps {
  client: webApi.WebClient;
  posts: PostQueue;
  store: SlackStore;
  complaints: ComplaintService;
  logger: Logger;
  /** Department id → Slack channel id. */
  channels: Readonly<Record<string, string>>;
}

/** States in which a department still has something to do: a card is posted for these only. */
const WORKABLE: ReadonlySet<ComplaintRecord["state"]> = new Set(["dispatched", "accepted", "awaiting_info"]);

/**
 * Complaint cards in department channels. A complaint has at most one card per channel (slack_complaint_cards);
 * the card in the responsible department's channel has the buttons, a card left behind by a re-dispatch says
 * where the complaint went. Every change to one complaint's cards runs in that complaint's queue, so repeated
 * live events never post twice.
 */
export function createComplaintBoard(deps: ComplaintBoardDeps) {
  const { client, posts, store, complaints, logger, channels } = deps;
  const serial = createKeyedSerial();
  const channelOf = (departmentId: string): string | undefined =>
    Object.hasOwn(channels, departmentId) ? channels[departmentId] : undefined;

  async function sync(id: string): Promise<void> {
    const c = await complaints.get(id);
    if (!c) return;
    const cards = await store.complaintCards(id);
    const target = channelOf(c.departmentId);
    const text = complaintFallback(c);
    for (const card of cards) {
      await client.chat.update({
        channel: card.channel,
        ts: card.ts,
        blocks: complaintCard(c, card.channel === target),
        text,
      });
    }
    if (!target || cards.some((card) => card.channel === target) || !WORKABLE.has(c.state)) return;
    const r = await posts.post({
      channel: target,
      blocks: complaintCard(c, true),
      text,
      unfurl_links: false,
      unfurl_media: false,
    });
    if (!r.ts || !r.channel) throw new Error("chat.postMessage returned no ts");
    // Keyed by the channel id we were configured with (Slack answers with the same id).
    await store.saveComplaintCard({ complaintId: c.id, channel: target, ts: r.ts });
  }

  const changed = (complaintId: string): Promise<void> =>
    serial
      .run(complaintId, () => sync(complaintId))
      .catch((err: unknown) => logger.error({ err, complaintId }, "slack: complaint card failed"));

  return {
    channelOf,

    /** A live complaint event: post the card in the responsible department's channel, or update the cards. */
    changed,

    /** Runs `task` in the complaint's queue (after any card post for it in progress). */
    exclusive<T>(complaintId: string, task: () => Promise<T>): Promise<T> {
      return serial.run(complaintId, task);
    },

    /** A line in a card's thread. */
    async thread(card: Pick<SlackComplaintCard, "channel" | "ts">, text: string): Promise<void> {
      await posts.post({
        channel: card.channel,
        thread_ts: card.ts,
        text,
        unfurl_links: false,
        unfurl_media: false,
      });
    },

    /** The citizen wrote into the case (群众补充): a line in each of its cards' threads, after any card update. */
    citizenAdded(complaintId: string, text: string): Promise<void> {
      return serial
        .run(complaintId, async () => {
          for (const card of await store.complaintCards(complaintId))
            await posts.post({
              channel: card.channel,
              thread_ts: card.ts,
              text: `群众补充：${escapeSlack(text)}`,
              unfurl_links: false,
              unfurl_media: false,
            });
        })
        .catch((err: unknown) => logger.error({ err, complaintId }, "slack: citizen's addition failed"));
    },

    /** After a restart: cards for open complaints of mapped departments dispatched while Slack was off. */
    async backfill(): Promise<number> {
      let posted = 0;
      for (const id of await complaints.workingIds(Object.keys(channels))) {
        if ((await store.complaintCards(id)).length > 0) continue;
        await changed(id);
        posted++;
      }
      return posted;
    },

    idle: () => serial.idle(),
  };
}

export type ComplaintBoard = ReturnType<typeof createComplaintBoard>;
