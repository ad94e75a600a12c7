import type { webApi } from "@slack/bolt";
import type { Logger } from "../../core/logger.js";
import type { PageNotice } from "../../handoff/case-paging.js";
import type { CaseRecord } from "../../handoff/case-records.js";
import { isOpen } from "../../handoff/case-state.js";
import type { HandoffService } from "../../handoff/cases.js";
import type { StaffMember } from "../../handoff/roster.js";
import type { StaffDirectory } from "../../handoff/staff.js";
import type { ConversationStore, StoredEvent } from "../../store/conversations.js";
import { cardFallback, caseCard } from "./blocks.js";
import type { PostQueue } from "./post-queue.js";
import { createKeyedSerial } from "./serial.js";
import type { SlackCard, SlackStore } from "./store.js";
import { escapeSlack, texts } from "./texts.js";

export interface BoardDeps {
  client: webApi.WebClient;
  posts: PostQueue;
  store: SlackStore;
  handoff: HandoffService;
  staff: StaffDirectory;
  conversations: ConversationStore;
  logger: Logger;
  /** The counselors' channel id (C…/G…) where new cases are posted. */
  channel: string;
  now: () => Date;
}

const payloadText = (e: StoredEvent): string | undefined => {
  const p = e.payload as { text?: unknown } | null;
  return p && typeof p.text === "string" ? p.text : undefined;
};

/**
 * The counselors' channel as a board of case cards. Each case has one card (its channel and ts stored in
 * slack_cards), updated in place with chat.update whenever the case changes; the card's thread carries the
 * conversation. Every change to one case's card or thread runs in that case's queue, and the thread's
 * high-water mark moves after each post, so repeated triggers (live events, retries, restarts) never post twice.
 */
export function createCaseBoard(deps: BoardDeps) {
  const { client, posts, store, handoff, conversations, logger } = deps;
  const serial = createKeyedSerial();

  const staffById = async (): Promise<Map<number, StaffMember>> =>
    new Map((await deps.staff.list()).map((s) => [s.id, s]));

  /** `<@U…>` for staff linked to Slack, the display name otherwise. */
  async function mentions(staff: readonly StaffMember[]): Promise<string[]> {
    const linked = await store.slackUsersOf(staff.map((s) => s.username));
    return staff.map((s) => {
      const ids = linked.get(s.username);
      return ids && ids.length > 0 ? ids.map((id) => `<@${id}>`).join(" ") : escapeSlack(s.displayName);
    });
  }

  async function label(id: number | null, all: Map<number, StaffMember>): Promise<string | undefined> {
    if (id === null) return undefined;
    const s = all.get(id);
    if (!s) return `#${id}`;
    return (await mentions([s]))[0];
  }

  async function render(c: CaseRecord, notify?: readonly StaffMember[]) {
    const all = await staffById();
    const blocks = caseCard(c, {
      now: deps.now(),
      holder: await label(c.holderId, all),
      transferTo: c.state === "transferred" ? await label(c.transferTo, all) : undefined,
      notify: notify ? await mentions(notify) : undefined,
    });
    return { blocks, text: cardFallback(c) };
  }

  /** The id of the event that opened the case: the thread starts after it (the card shows that message). */
  const openingEventId = (c: CaseRecord): Promise<number> =>
    deps.conversations.lastInboundId(c.conversationId, c.openedAt);

  async function postCard(c: CaseRecord, notify: readonly StaffMember[]): Promise<SlackCard> {
    const { blocks, text } = await render(c, notify);
    const mention = notify.length > 0 ? ` ${(await mentions(notify)).join(" ")}` : "";
    const r = await posts.post({
      channel: deps.channel,
      blocks,
      text: `${text}${mention}`,
      unfurl_links: false,
    });
    if (!r.ts || !r.channel) throw new Error("chat.postMessage returned no ts");
    const card: SlackCard = {
      caseId: c.id,
      conversationId: c.conversationId,
      channel: r.channel,
      ts: r.ts,
      mirroredEventId: await openingEventId(c),
    };
    await store.saveCard(card);
    return card;
  }

  async function updateCard(card: SlackCard, c: CaseRecord) {
    const { blocks, text } = await render(c);
    await client.chat.update({ channel: card.channel, ts: card.ts, blocks, text });
  }

  async function thread(card: SlackCard, text: string, broadcast = false) {
    await posts.post({
      channel: card.channel,
      thread_ts: card.ts,
      text,
      reply_broadcast: broadcast,
      unfurl_links: false,
      unfurl_media: false,
    });
  }

  /**
   * Copies new citizen messages (and replies staff sent from the console) into the thread, from every conversation
   * of the case: one that joined it (the same person in a second browser tab) is marked as such.
   */
  async function mirror(caseId: string, skip: ReadonlySet<number> = new Set()) {
    const card = await store.card(caseId);
    if (!card) return;
    const ids = await handoff.conversationIdsOf(caseId);
    if (!ids.includes(card.conversationId)) ids.unshift(card.conversationId);
    const ordinal = new Map(ids.map((id, i) => [id, i]));
    const events = (await Promise.all(ids.map((id) => conversations.events(id))))
      .flat()
      .filter((e) => e.id > card.mirroredEventId)
      .sort((x, y) => x.id - y.id);
    if (events.length === 0) return;
    const all = await staffById();
    const byUsername = new Map([...all.values()].map((s) => [s.username, s]));
    for (const e of events) {
      const text = payloadText(e);
      let line: string | undefined;
      if (!skip.has(e.id) && text !== undefined) {
        if (e.type === "inbound") {
          const n = ordinal.get(e.conversationId) ?? 0;
          line =
            n === 0 ? texts.citizenSays(escapeSlack(text)) : texts.citizenSaysIn(n + 1, escapeSlack(text));
        } else if (e.type === "reply" && e.actor.startsWith("staff:")) {
          const username = e.actor.slice("staff:".length);
          const who = byUsername.get(username)?.displayName ?? username;
          line = texts.consoleStaffSays(escapeSlack(who), escapeSlack(text));
        }
      }
      // A failed post throws here and leaves the mark before this event: the next trigger tries again.
      if (line) await thread(card, line);
      await store.markMirrored(caseId, e.id);
    }
  }

  /** Posts the card if the case has none yet (and it is still open), otherwise brings it up to date. */
  async function ensureCard(
    c: CaseRecord,
    notify: readonly StaffMember[] = [],
  ): Promise<SlackCard | undefined> {
    const existing = await store.card(c.id);
    if (existing) {
      await updateCard(existing, c);
      return existing;
    }
    if (!isOpen(c.state)) return undefined;
    return postCard(c, notify);
  }

  const logged = (what: string, caseId: string) => (err: unknown) =>
    logger.error({ err, caseId }, `slack: ${what} failed`);

  return {
    mentions,
    thread,

    /** Runs `task` in the case's queue: nothing else touches that card or thread meanwhile. */
    exclusive<T>(caseId: string, task: () => Promise<T>): Promise<T> {
      return serial.run(caseId, task);
    },

    /** Pager: new cases get a card; escalations, risk rises and transfers update it and say so in the thread. */
    page(notice: PageNotice, record: CaseRecord): Promise<void> {
      return serial
        .run(notice.caseId, async () => {
          const fresh = (await handoff.get(notice.caseId)) ?? record;
          const card = await ensureCard(fresh, notice.to);
          if (!card) return;
          const who = (await mentions(notice.to)).join(" ");
          if (notice.reason === "escalation")
            await thread(card, texts.escalatedThread(who, fresh.escalations), true);
          else if (notice.reason === "risk_raised")
            await thread(card, texts.riskRaisedThread(fresh.risk, who), fresh.holderId === null);
          else if (notice.reason === "transfer") await thread(card, texts.transferredThread(who));
          await mirror(fresh.id);
        })
        .catch(logged("page", notice.caseId));
    },

    /** A live "case" event: the card shows the new state; replies sent from the console join the thread. */
    caseChanged(caseId: string): Promise<void> {
      return serial
        .run(caseId, async () => {
          const c = await handoff.get(caseId);
          if (!c) return;
          const card = await ensureCard(c);
          if (card) await mirror(caseId);
        })
        .catch(logged("card update", caseId));
    },

    /** A live "conversation" event (a citizen turn in a conversation with an open case). */
    async conversationChanged(conversationId: string): Promise<void> {
      const joined = await handoff.openCaseIdOf(conversationId);
      const card =
        (joined ? await store.card(joined) : undefined) ?? (await store.latestCardOf(conversationId));
      // No card yet: posting the card mirrors what came before it. The newest card may also belong to an
      // earlier, closed case of this conversation while the new case's card is still being posted.
      if (!card) return;
      await serial
        .run(card.caseId, async () => {
          const c = await handoff.get(card.caseId);
          if (c && isOpen(c.state)) await mirror(card.caseId);
        })
        .catch(logged("mirror", card.caseId));
    },

    mirror,

    /** After a restart: cards for open cases paged while Slack was off, and the threads caught up. */
    async backfill(): Promise<number> {
      const ids = await handoff.openIds();
      for (const id of ids) {
        await serial
          .run(id, async () => {
            const c = await handoff.get(id);
            if (!c) return;
            if (await ensureCard(c)) await mirror(id);
          })
          .catch(logged("backfill", id));
      }
      return ids.length;
    },

    idle: async () => {
      await serial.idle();
      await posts.idle();
    },
  };
}

export type CaseBoard = ReturnType<typeof createCaseBoard>;
