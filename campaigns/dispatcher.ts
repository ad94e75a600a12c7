/**
 * Sends approved campaigns whose time has come, from the durable per-recipient queue (campaign_deliveries), one
 * worker per channel at that channel's pace. A row leaves 'queued' once: 'skipped' (with its reason) when the
 * person must not get it now, 'sent' once the channel confirmed it, 'failed' when it cannot arrive. Nothing else
 * is kept in memory that a kill -9 could lose: on restart the queue is read again, and what a push channel had
 * already handed to its platform is settled from that channel's send journal before it sends anything (Telegram,
 * see bot/telegram/settle-journal.ts).
 *
 * Stored channels (the web chat, WeChat) get the campaign as a notice in the conversation: the event and the
 * 'sent' mark are one transaction, then it is pushed live (an open page shows it at once; a closed one on return).
 */
import { setMaxListeners } from "node:events";
import type { Logger } from "../core/logger.js";
import type { Outbound } from "../handoff/outbound.js";
import type { Reply } from "../handoff/reply.js";
import type { ConversationStore } from "../store/conversations.js";
import type { Db } from "../store/db.js";
import type { Lease, Param } from "../store/sql.js";
import { queueRecipients } from "./audience.js";
import { type Campaign, campaignEvent, dueCampaigns } from "./campaign-records.js";
import { inQuietHours } from "./campaign-rules.js";
import { createDeliveryWrites } from "./delivery-writes.js";
import { createPacer, type Pacer } from "./pacer.js";
import { type Delivery, type PushSender, RateLimited, Rejected, Unreachable } from "./push-sender.js";
import { reasonsToSkip } from "./recipient-checks.js";
import type { CampaignLibrary } from "./render.js";
import { renderCampaign } from "./render.js";
import type { Subscriptions } from "./subscriptions.js";

export interface DispatcherDeps {
  db: Db;
  conversations: ConversationStore;
  outbound: Outbound;
  subscriptions: Subscriptions;
  library: CampaignLibrary;
  logger: Logger;
  now?: () => Date;
  /** How often due campaigns are looked for and finished ones closed. Default 1 s. */
  tickMs?: number;
  /** Recipients read (and checked) at once, at most; fewer on a slow channel (about 2 s of its sending). Default 500. */
  batch?: number;
  /** Notices per second on stored channels. Default 200. */
  storedRate?: number;
}

interface Active {
  campaign: Campaign;
  reply: Reply;
}

export function createDispatcher(deps: DispatcherDeps) {
  const { db, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const tickMs = deps.tickMs ?? 1000;
  const batchSize = deps.batch ?? 500;
  const push = new Map<string, PushSender>();
  const stored = new Set<string>(["web"]);
  const expected = new Set<string>();
  const workers = new Map<string, Promise<void>>();
  /** Per push channel: aborted when it unregisters, so a send waiting out a long retry_after stops waiting. */
  const leaving = new Map<string, AbortController>();
  /** Campaigns sending now and outside their quiet hours, with the message as rendered once. */
  let active = new Map<number, Active>();
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let lifetime = new AbortController();
  let wakers: (() => void)[] = [];
  let ticking: Promise<void> | undefined;

  const wake = () => {
    const w = wakers;
    wakers = [];
    for (const f of w) f();
  };
  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      wakers.push(done);
    });

  /** Reads the next recipients after `cursor` and skips (in the database) those who must not get it now. */
  async function fetch(channel: string, cursor: number, limit: number): Promise<Delivery[]> {
    const ids = [...active.keys()];
    if (ids.length === 0) return [];
    const rows = await db.all<{ id: number; campaign_id: number; conversation_id: string }>(
      `SELECT id, campaign_id, conversation_id FROM campaign_deliveries
       WHERE state = 'queued' AND channel = ? AND id > ? AND campaign_id IN (${ids.map(() => "?").join(", ")})
         AND (not_before IS NULL OR not_before <= ?)
       ORDER BY id LIMIT ?`,
      [channel, cursor, ...ids, now().toISOString(), limit] as Param[],
    );
    const out: Delivery[] = [];
    const skips: { id: number; reason: string }[] = [];
    const at = now();
    for (const cid of new Set(rows.map((r) => r.campaign_id))) {
      const a = active.get(cid);
      if (!a) continue;
      const group = rows.filter((r) => r.campaign_id === cid);
      const reasons = await reasonsToSkip(
        db,
        group.map((r) => r.conversation_id),
        a.campaign,
        at.getTime(),
      );
      for (const r of group) {
        const reason = reasons.get(r.conversation_id);
        if (reason) skips.push({ id: r.id, reason });
        else out.push({ id: r.id, campaignId: cid, conversationId: r.conversation_id, channel });
      }
    }
    if (skips.length > 0) {
      const stamp = at.toISOString();
      await db.transaction(async (tx) => {
        for (const s of skips)
          await tx.run(
            "UPDATE campaign_deliveries SET state = 'skipped', reason = ?, sent_at = ? WHERE id = ? AND state = 'queued'",
            [s.reason, stamp, s.id],
          );
      });
    }
    // Rows read past the last one kept still move the cursor on: return a marker when all were skipped.
    const last = rows.at(-1);
    if (out.length === 0 && last) return [{ id: last.id, campaignId: -1, conversationId: "", channel }];
    return out.sort((x, y) => x.id - y.id);
  }

  const { recorder, retryLater, unreachable, sendStored } = createDeliveryWrites({ ...deps, now });

  async function sendBatch(
    channel: string,
    batch: Delivery[],
    pacer: Pacer,
    rec: ReturnType<typeof recorder>,
  ) {
    const sender = push.get(channel);
    const signal = (sender && leaving.get(channel)?.signal) || lifetime.signal;
    let i = 0;
    const one = async (d: Delivery) => {
      for (;;) {
        const a = active.get(d.campaignId);
        // Paused, cancelled or in its quiet hours since the batch was read, or the channel stopping: it stays queued.
        if (!a || !running || (sender && push.get(channel) !== sender)) return;
        if (!(await pacer.take(signal))) return;
        if (!sender) return sendStored(d, a.reply).catch((err) => retryLater(d, err));
        try {
          const messageId = await sender.send(d, a.reply);
          rec.add({ d, state: "sent", messageId });
          return;
        } catch (err) {
          if (err instanceof RateLimited) {
            pacer.hold(err.retryAfterMs);
            continue;
          }
          if (err instanceof Unreachable) return unreachable(d, rec, err);
          if (err instanceof Rejected) {
            rec.add({ d, state: "failed", reason: "rejected" });
            return;
          }
          return retryLater(d, err);
        }
      }
    };
    const lanes = Array.from({ length: Math.min(batch.length, sender?.concurrency ?? 4) }, async () => {
      while (i < batch.length) await one(batch[i++] as Delivery);
    });
    await Promise.all(lanes);
  }

  async function work(channel: string) {
    const sender = push.get(channel);
    const rate = sender?.rate ?? deps.storedRate ?? 200;
    const pacer = createPacer(rate);
    // About two seconds of sending per batch: the crisis and cap checks are made when a batch is read, so at
    // Telegram's real 25/s a batch of 500 would send to someone up to 40 s after they were last checked.
    const size = Math.min(batchSize, Math.max(20, Math.ceil(rate * 2)));
    const rec = recorder(sender);
    let cursor = 0;
    let next = fetch(channel, cursor, size);
    const mine = () => running && (stored.has(channel) || push.get(channel) === sender);
    while (mine()) {
      let batch: Delivery[];
      try {
        batch = await next;
      } catch (err) {
        logger.error({ err, channel }, "campaign: reading the queue failed");
        batch = [];
      }
      if (batch.length === 0) {
        await rec.flush();
        cursor = 0;
        await nap(tickMs);
        next = fetch(channel, cursor, size);
        continue;
      }
      cursor = (batch.at(-1) as Delivery).id;
      // The next recipients are read and checked while these are sent.
      next = fetch(channel, cursor, size);
      next.catch(() => undefined);
      await sendBatch(
        channel,
        batch.filter((d) => d.campaignId >= 0),
        pacer,
        rec,
      );
      // Recorded in the background: the cursor keeps these rows from being read again before they are.
      void rec.flush().catch((err) => logger.error({ err }, "campaign: recording sends failed"));
    }
    await next.catch(() => undefined);
    await rec.flush().catch(() => undefined);
  }

  function ensureWorker(channel: string) {
    if (!running || workers.has(channel)) return;
    if (!stored.has(channel) && !push.has(channel)) return;
    workers.set(
      channel,
      work(channel).finally(() => workers.delete(channel)),
    );
  }

  /** Sending runs on one instance at a time: the holder of this lease (always this process on SQLite). */
  let lease: Lease | undefined;

  /** Starts campaigns whose time has come, refreshes which may send now, and closes finished ones. */
  async function tick(): Promise<void> {
    if (lease && !lease.held()) {
      active = new Map();
      return;
    }
    const at = now();
    const stamp = at.toISOString();
    for (const c of await dueCampaigns(db, stamp)) {
      if (c.state !== "approved") continue;
      await db.transaction(async (tx) => {
        const fresh = await tx.get<{ state: string }>("SELECT state FROM campaigns WHERE id = ?", [c.id]);
        if (fresh?.state !== "approved") return;
        const n = await queueRecipients(tx, c.id, c);
        await tx.run(
          "UPDATE campaigns SET state = 'sending', started_at = ?, recipients = ?, updated_at = ? WHERE id = ?",
          [stamp, n, stamp, c.id],
        );
        await campaignEvent(tx, c.id, "sending", "dispatcher", stamp, { recipients: n });
      });
      logger.info({ campaign: c.id }, "campaign: sending started");
    }
    const sending = (await dueCampaigns(db, stamp)).filter((c) => c.state === "sending");
    const next = new Map<number, Active>();
    for (const c of sending) {
      const queued = await db.all<{ channel: string; n: number }>(
        "SELECT channel, COUNT(*) AS n FROM campaign_deliveries WHERE campaign_id = ? AND state = 'queued' GROUP BY channel",
        [c.id],
      );
      if (queued.length === 0) {
        await db.transaction(async (tx) => {
          await tx.run(
            "UPDATE campaigns SET state = 'done', finished_at = ?, updated_at = ? WHERE id = ? AND state = 'sending'",
            [stamp, stamp, c.id],
          );
          await campaignEvent(tx, c.id, "done", "dispatcher", stamp);
        });
        logger.info({ campaign: c.id }, "campaign: finished");
        continue;
      }
      // Recipients on a channel this server does not run (Telegram without a token) can never be reached.
      for (const q of queued)
        if (!stored.has(q.channel) && !push.has(q.channel) && !expected.has(q.channel))
          await db.run(
            "UPDATE campaign_deliveries SET state = 'failed', reason = 'channel_off', sent_at = ? WHERE campaign_id = ? AND channel = ? AND state = 'queued'",
            [stamp, c.id, q.channel],
          );
      if (inQuietHours(at.getTime(), c.quietHours)) continue;
      next.set(c.id, active.get(c.id) ?? { campaign: c, reply: renderCampaign(c, deps.library) });
    }
    active = next;
    for (const ch of [...stored, ...push.keys()]) ensureWorker(ch);
    if (active.size > 0) wake();
  }

  const runTick = () => {
    ticking ??= tick()
      .catch((err) => logger.error({ err }, "campaign dispatcher tick failed"))
      .finally(() => {
        ticking = undefined;
      });
    return ticking;
  };

  return {
    /** A channel whose sender will register once it has started (Telegram after settling its journal). */
    expect(channel: string) {
      expected.add(channel);
    },
    /** A push channel ready to send; its worker starts with the next tick. */
    register(channel: string, sender: PushSender) {
      push.set(channel, sender);
      const stop = new AbortController();
      setMaxListeners(0, stop.signal);
      leaving.set(channel, stop);
      if (running) void runTick();
    },
    /** The channel stops (Telegram before closing its journal): resolves once its in-flight sends are recorded. */
    async unregister(channel: string) {
      push.delete(channel);
      leaving.get(channel)?.abort();
      leaving.delete(channel);
      wake();
      await workers.get(channel);
    },
    /** A stored channel besides the web chat (WeChat): notices go through the conversation and Outbound. */
    registerStored(channel: string) {
      stored.add(channel);
    },
    start() {
      if (running) return;
      running = true;
      lease = db.lease("campaign dispatch");
      lifetime = new AbortController();
      // Every send waiting for its slot listens on it: dozens at once is the design, not a leak.
      setMaxListeners(0, lifetime.signal);
      timer = setInterval(() => void runTick(), tickMs);
      timer.unref();
      void runTick();
    },
    /** Looks for due campaigns now (tests, and the console right after an approval). */
    poke: () => runTick(),
    async stop() {
      running = false;
      lifetime.abort();
      for (const c of leaving.values()) c.abort();
      if (timer) clearInterval(timer);
      wake();
      await ticking;
      await Promise.all([...workers.values()]);
      await lease?.release();
      lease = undefined;
    },
  };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;
