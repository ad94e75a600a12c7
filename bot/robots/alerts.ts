import { createHmac } from "node:crypto";
import type { LiveHub } from "../../core/live-hub.js";
import type { Logger } from "../../core/logger.js";
import { STAFF_TOPIC } from "../../handoff/case-paging.js";
import { COMPLAINT_TOPIC } from "../../handoff/complaint-context.js";
import { spikeMessages } from "../../handoff/messages.js";
import { type SpikeAlert, spikeHeadline } from "../../handoff/spike-watch.js";
import { isCrisis } from "../../intents/crisis-risk.js";
import { robotMessages } from "../messages.js";

/** A group robot that posts a line of text: WeCom's (企业微信群机器人) or DingTalk's (钉钉自定义机器人, 加签). */
export interface Robot {
  name: "wecom" | "dingtalk";
  post(text: string): Promise<void>;
}

export class RobotError extends Error {
  override name = "RobotError";
}

async function postJson(url: string, body: unknown, timeoutMs: number): Promise<void> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json; charset=utf-8" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new RobotError(`HTTP ${res.status}`);
  const answer = (await res.json().catch(() => ({}))) as { errcode?: number; errmsg?: string };
  if (answer.errcode) throw new RobotError(`errcode ${answer.errcode}: ${answer.errmsg ?? ""}`);
}

/** A WeCom group robot: the webhook URL (with its key) is the whole credential. */
export function wecomRobot(webhook: string, timeoutMs = 10_000): Robot {
  return {
    name: "wecom",
    post: (text) => postJson(webhook, { msgtype: "text", text: { content: text } }, timeoutMs),
  };
}

/**
 * DingTalk's signature for a robot with 加签: HMAC-SHA256 keyed by the secret over "timestamp\nsecret", base64,
 * sent with the timestamp (ms) in the query; DingTalk refuses it an hour later.
 */
export function dingtalkSign(secret: string, timestampMs: number): string {
  return createHmac("sha256", secret).update(`${timestampMs}\n${secret}`, "utf8").digest("base64");
}

export function dingtalkRobot(
  webhook: string,
  secret: string,
  now: () => number = Date.now,
  timeoutMs = 10_000,
): Robot {
  return {
    name: "dingtalk",
    post(text) {
      const timestamp = now();
      const url = new URL(webhook);
      url.searchParams.set("timestamp", String(timestamp));
      url.searchParams.set("sign", dingtalkSign(secret, timestamp));
      return postJson(url.toString(), { msgtype: "text", text: { content: text } }, timeoutMs);
    },
  };
}

interface PageEvent {
  caseId?: unknown;
  reason?: unknown;
  risk?: unknown;
  state?: unknown;
}

export interface StaffAlertsConfig {
  robots: Robot[];
  /** The console's address, for the link in every alert. */
  consoleUrl: string;
  logger: Logger;
  /** An unclaimed case's escalations are posted at most this often. Default 15 minutes. */
  escalationEveryMs?: number;
  now?: () => number;
}

export interface StaffAlerts {
  stop(): void;
  /** Resolves when every post under way has finished. */
  idle(): Promise<void>;
}

/**
 * Crisis and overdue alerts for staff who coordinate in WeCom or DingTalk groups. Listens to the live hub's
 * events the console uses: a new case (or one whose risk rises while it waits) at high or imminent risk, a
 * crisis case still unclaimed when its wait runs out, a complaint past its deadline (督办), and a spike of
 * complaints in one 旗县区 × category or of crisis cases (counts only). Each alert is one
 * line with the number, the risk level and the console's address, and no citizen text or personal data.
 */
export function createStaffAlerts(live: LiveHub, config: StaffAlertsConfig): StaffAlerts {
  const { robots, consoleUrl, logger } = config;
  const now = config.now ?? Date.now;
  const every = config.escalationEveryMs ?? 15 * 60_000;
  /** Per case: the gravest risk already announced, and when its last escalation was posted. */
  const announced = new Map<string, { risk: string; escalatedAt?: number }>();
  const inFlight = new Set<Promise<void>>();

  const post = (text: string, what: Record<string, string>) => {
    for (const robot of robots) {
      const p = robot
        .post(text)
        .catch(async () => {
          // One more try: group robots are rate-limited (20 messages a minute) and the network hiccups.
          await new Promise((r) => setTimeout(r, 2000));
          return robot.post(text);
        })
        .catch((err) =>
          logger.error(
            { robot: robot.name, ...what, err: err instanceof Error ? err.message : String(err) },
            "staff alert not posted",
          ),
        )
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  };

  const forget = () => {
    // Bounded: a busy year opens thousands of cases; only recent ones need remembering.
    if (announced.size <= 10_000) return;
    const oldest = announced.keys().next().value;
    if (oldest !== undefined) announced.delete(oldest);
  };

  const offStaff = live.subscribe(STAFF_TOPIC, (e) => {
    if (e.type !== "page") return;
    const d = e.data as PageEvent;
    if (typeof d.caseId !== "string" || typeof d.risk !== "string" || !isCrisis(d.risk)) return;
    const caseId = d.caseId;
    const label = robotMessages.riskLabels[d.risk] ?? d.risk;
    const seen = announced.get(caseId);
    if (d.reason === "new" || d.reason === "risk_raised") {
      // Once per case and risk level: a held case's risk rising alerts its holder in the console, not the group.
      if (seen && (seen.risk === d.risk || seen.risk === "imminent")) return;
      if (d.reason === "risk_raised" && d.state !== "waiting" && d.state !== "transferred") return;
      announced.set(caseId, { ...seen, risk: d.risk });
      forget();
      const text = (seen || d.reason === "risk_raised" ? robotMessages.riskRaised : robotMessages.newCase)(
        caseId,
        label,
        consoleUrl,
      );
      post(text, { caseId, kind: d.reason });
    } else if (d.reason === "escalation") {
      const t = now();
      if (seen?.escalatedAt !== undefined && t - seen.escalatedAt < every) return;
      announced.set(caseId, { risk: seen?.risk ?? d.risk, escalatedAt: t });
      forget();
      post(robotMessages.escalated(caseId, label, consoleUrl), { caseId, kind: "escalation" });
    }
  });
  const offComplaints = live.subscribe(COMPLAINT_TOPIC, (e) => {
    if (e.type === "spike") {
      // A count and where, never the cases' text; the numbers are in the console.
      const s = e.data as SpikeAlert;
      post(`${spikeHeadline(s)}。${spikeMessages.open(`${consoleUrl}/dashboard`)}`, {
        spikeId: s.spikeId,
        kind: "spike",
      });
      return;
    }
    const d = e.data as { complaintId?: unknown; type?: unknown };
    if (e.type !== "complaint" || d.type !== "overdue" || typeof d.complaintId !== "string") return;
    post(robotMessages.complaintOverdue(d.complaintId, consoleUrl), {
      complaintId: d.complaintId,
      kind: "overdue",
    });
  });

  return {
    stop() {
      offStaff();
      offComplaints();
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
