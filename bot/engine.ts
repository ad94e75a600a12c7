import { randomUUID } from "node:crypto";
import { AppError } from "../core/app-error.js";
import type { Logger } from "../core/logger.js";
import { redactIdNumbers } from "../core/redact.js";
import type { HandoffPort } from "../handoff/port.js";
import type { Reply } from "../handoff/reply.js";
import { graverRisk, isCrisis, type RiskLevel } from "../intents/crisis-risk.js";
import type { Nlu, Understanding } from "../intents/understand.js";
import {
  type Channel,
  type ComplaintDraft,
  type Conversation,
  type ConversationStore,
  type Delivery,
  isUniqueViolation,
  type NewEvent,
} from "../store/conversations.js";
import type { Db } from "../store/db.js";
import type { Queryable } from "../store/sql.js";
import type { IntakeDeps } from "./complaint-dialogue.js";
import type { Action } from "./decision.js";
import { decide } from "./dialogue.js";
import type { KnowledgeDeps } from "./knowledge-dialogue.js";
import { messages } from "./messages.js";
import { applySubscription, type SubscriptionDeps } from "./subscription-turn.js";
import type { InboundMessage, TurnResult } from "./turn.js";
import { createUnansweredTurns, type UnansweredTurn } from "./unanswered-turn.js";

/** Telegram's own limit; the web page and API accept the same. */
export const MAX_MESSAGE_CHARS = 4096;

/** What the engine needs from the complaint module (filing, 回访, status); see handoff/complaints.ts. */
export interface ComplaintPort {
  intake: IntakeDeps;
  file(
    tx: Queryable,
    req: { conversationId: string; channel: Channel; citizen: string; draft: ComplaintDraft; at: string },
  ): Promise<{ reply: Reply }>;
  recordFollowUp(
    tx: Queryable,
    complaintId: string,
    answer: { resolved?: boolean; rating?: number; comment?: string },
    at: string,
  ): Promise<void>;
  /** `phoneTail`: the last four digits of the phone stored with consent, to open a case from another device. */
  status(citizen: string, id?: string, phoneTail?: string): Promise<string | undefined>;
  /** The open case whose department is talking with this citizen, if any. */
  openThread(citizen: string): Promise<{ id: string; departmentName: string } | undefined>;
  /** The citizen's message into that case (群众补充), in the turn's transaction. */
  addFromCitizen(tx: Queryable, complaintId: string, text: string, at: string): Promise<void>;
  /** After the turn committed: announce filings and 回访 answers to staff. */
  afterCommit(conversationId: string): void;
}

export interface EngineDeps {
  nlu: Nlu;
  conversations: ConversationStore;
  /**
   * Reads outside a transaction share the one connection; the per-conversation lock keeps a conversation's own
   * reads and writes in order.
   */
  db: Db;
  logger: Logger;
  handoff: HandoffPort;
  complaints: ComplaintPort;
  /** 普法 subscriptions; without them, 「订阅」 says the service is not available here. */
  subscriptions?: SubscriptionDeps;
  /** 「了解更多」 under a campaign message: the replies, the press counted. */
  campaignMore?: (conversationId: string, campaignId: number, at: string) => Promise<Reply[]>;
  /** Domains and offices for answers and referral cards; without them, answers name no local office. */
  knowledge?: KnowledgeDeps;
  now?: () => Date;
}

export interface Engine {
  handleMessage(inbound: InboundMessage): Promise<TurnResult>;
  /** A turn the engine does not answer itself (a photo, an edit, a follow): stored and replayed like one. */
  noteTurn(turn: UnansweredTurn): Promise<{ replies: Reply[]; duplicate: boolean }>;
  understand(text: string): Understanding;
}

const INVISIBLE_OR_SPACE = /[\s\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/g;

export function validateText(text: unknown): string {
  if (typeof text !== "string") throw new AppError("bad_input", "text must be a string");
  // Invisible characters (zero-width spaces, joiners, BOM, bidi marks) are not a message either.
  if (text.replace(INVISIBLE_OR_SPACE, "").length === 0) throw new AppError("bad_input", "text is empty");
  if (text.length > MAX_MESSAGE_CHARS)
    throw new AppError("too_large", `text is longer than ${MAX_MESSAGE_CHARS} characters`);
  if (text.includes("\u0000")) throw new AppError("bad_input", "text contains binary data");
  return text;
}

export function createEngine(deps: EngineDeps): Engine {
  const { nlu, conversations, db, logger, handoff, complaints } = deps;
  const context = {
    intake: complaints.intake,
    understand: (text: string) => nlu.understand(text),
    ...(deps.knowledge ? { knowledge: deps.knowledge } : {}),
  };
  const now = deps.now ?? (() => new Date());

  const replay = async (seen: Delivery): Promise<TurnResult> => {
    const events = await conversations.turnEvents(seen);
    const understood = events.find((e) => e.type === "understood")?.payload as
      | { risk?: RiskLevel; intent?: string }
      | undefined;
    return {
      conversationId: seen.conversationId,
      replies: events.filter((e) => e.type === "reply").map((e) => e.payload as Reply),
      duplicate: true,
      risk: understood?.risk ?? "none",
      intent: understood?.intent ?? "unknown",
    };
  };

  const turn = async (inbound: InboundMessage): Promise<TurnResult> => {
    const at = now().toISOString();
    const conv: Conversation = (await conversations.get(inbound.conversationId)) ?? {
      id: inbound.conversationId,
      channel: inbound.channel,
      externalUser: inbound.externalUserId ?? null,
      mode: "bot",
      risk: "none",
      state: {},
      subscribed: false,
      createdAt: at,
    };

    // A typed "1"/"2" answers the last clarifying question.
    let text = inbound.text;
    const choice = /^\s*([12一二])\s*$/.exec(text)?.[1];
    if (choice && conv.state.pendingChoice)
      text = conv.state.pendingChoice[/[1一]/.test(choice) ? 0 : 1] ?? text;

    const u = nlu.understand(text);
    const citizen = inbound.externalUserId ?? conv.externalUser ?? conv.id;
    // A department in conversation with this citizen: their messages belong to the case (read outside the turn's
    // transaction; the per-conversation lock keeps this conversation's turns in order).
    const thread = conv.mode === "bot" ? await complaints.openThread(citizen) : undefined;
    const decision = decide(conv, u, thread ? { ...context, thread } : context);
    const replies = [...decision.replies];
    let subscribed = conv.subscribed;
    let mode = conv.mode;
    /** What to announce once the turn has committed. */
    const announce = { handoff: conv.mode !== "bot", complaints: false };

    /** Carries out one action of the decision; `tx` is the turn's transaction, absent for the reads and the
     * subscription, which need none. */
    const apply = async (action: Action, tx: Queryable | undefined): Promise<void> => {
      switch (action.kind) {
        case "statusQuery": {
          const id = action.caseNumber;
          const lines = [
            id?.startsWith("SW-") ? undefined : await handoff.status(conv.id, id),
            await complaints.status(citizen, id, action.phoneTail),
          ].filter((x): x is string => x !== undefined);
          replies.push({ kind: "status", text: lines.length > 0 ? lines.join("\n") : messages.statusNone });
          return;
        }
        case "campaignMore":
          replies.push(
            ...(deps.campaignMore
              ? await deps.campaignMore(conv.id, action.campaignId, at)
              : [{ kind: "campaign" as const, text: messages.subscriptionsUnavailable }]),
          );
          return;
        case "subscription": {
          if (!deps.subscriptions) {
            replies.push({ kind: "subscription", text: messages.subscriptionsUnavailable });
            return;
          }
          const { kind: _kind, ...op } = action;
          const done = await applySubscription(
            deps.subscriptions,
            { id: conv.id, channel: inbound.channel },
            op,
            at,
          );
          replies.push(...done.replies);
          subscribed = done.subscribed;
          if (done.askedPlace) decision.state.subscriptionPlace = true;
          return;
        }
        case "handoff": {
          const h = action.request;
          const outcome = await handoff.request(inTransaction(tx), {
            ...h,
            conversationId: conv.id,
            channel: inbound.channel,
            text: inbound.text,
            at,
            ...(inbound.clientKey ? { clientKey: inbound.clientKey } : {}),
          });
          announce.handoff = true;
          // A conversation that joined a case a counselor holds is with that counselor from now on.
          if (mode === "bot") mode = outcome.joinedMode ?? "waiting";
          if (h.reason !== "crisis") {
            replies.push({
              kind: "handoff",
              text: outcome.paged > 0 ? messages.handoffPending : messages.noOneOnDuty,
            });
          } else if ((outcome.available ?? outcome.paged) === 0) {
            // One coherent reply: the crisis message itself says nobody is reachable, instead of promising a
            // counselor and taking it back in the next bubble.
            for (const r of replies) {
              if (r.kind !== "crisis") continue;
              r.text = messages.crisisReply({
                kind: h.riskKind ?? "self",
                subject: h.subject,
                imminent: h.risk === "imminent",
                counselor: false,
                ...(u.risk.harmSetting ? { harmSetting: u.risk.harmSetting } : {}),
              });
            }
          }
          return;
        }
        case "fileComplaint": {
          const filed = await complaints.file(inTransaction(tx), {
            conversationId: conv.id,
            channel: inbound.channel,
            citizen,
            draft: action.draft,
            at,
          });
          announce.complaints = true;
          replies.push(filed.reply);
          return;
        }
        case "followUp": {
          const { kind: _kind, complaintId, ...answer } = action;
          await complaints.recordFollowUp(inTransaction(tx), complaintId, answer, at);
          announce.complaints = true;
          return;
        }
        case "supplement":
          await complaints.addFromCitizen(inTransaction(tx), action.complaintId, action.text, at);
          announce.complaints = true;
          return;
      }
    };
    // Reads and the subscription come first, outside any transaction; the rest run in the turn's transaction.
    for (const action of decision.actions)
      if (!IN_TRANSACTION.has(action.kind)) await apply(action, undefined);

    const turnId = randomUUID();
    const inboundEvents: NewEvent[] = [
      {
        type: "inbound",
        actor: "citizen",
        payload: { text: redactIdNumbers(inbound.text), channel: inbound.channel },
      },
      {
        type: "understood",
        actor: "bot",
        payload: {
          risk: u.risk.level,
          subject: u.risk.subject,
          reasons: u.risk.reasons,
          intent: u.intent.intent,
          confidence: round(u.intent.confidence),
          answerId: u.answer?.entry.id,
          places: u.entities.places,
        },
      },
    ];
    const next: Conversation = {
      ...conv,
      state: decision.state,
      subscribed,
      risk: graverRisk(conv.risk, u.risk.level),
    };
    const delivery = inbound.messageId
      ? { channel: inbound.channel, externalId: inbound.messageId }
      : undefined;
    const write = (events: NewEvent[], conversation: Conversation, keepMode = false) =>
      conversations.turnStatements({ conversation, turn: turnId, at, events, delivery, keepMode });
    const asEvents = (rs: readonly Reply[]): NewEvent[] =>
      rs.map((r) => ({ type: "reply", actor: "bot", payload: r }));
    const result = (rs: Reply[]): TurnResult => ({
      conversationId: conv.id,
      replies: rs,
      duplicate: false,
      risk: u.risk.level,
      intent: u.intent.intent,
    });

    const transactional = decision.actions.filter((a) => IN_TRANSACTION.has(a.kind));
    if (transactional.length === 0 && conv.mode === "bot") {
      // The common path: nothing else to coordinate, so the whole turn is one INSERT script, one round trip.
      try {
        await db.script(write([...inboundEvents, ...asEvents(replies)], next));
      } catch (e) {
        conversations.forget(conv.id);
        if (delivery && isUniqueViolation(e)) {
          const seen = await conversations.findDelivery(delivery.channel, delivery.externalId);
          if (seen) return replay(seen);
        }
        throw e;
      }
      conversations.remember(next);
      return result(replies);
    }

    // A case or a complaint is involved: they are read and written in the same transaction as the turn.
    if (delivery) {
      const seen = await conversations.findDelivery(delivery.channel, delivery.externalId);
      if (seen) return replay(seen);
    }
    conversations.forget(conv.id);
    const done = await db.transaction(async (tx) => {
      // A first message may already be a crisis: the conversation row must exist before a case refers to it.
      // The same holds for a complaint filed in this turn.
      const [ensure] = conversations.turnStatements({
        conversation: next,
        turn: turnId,
        at,
        events: [],
        keepMode: true,
      });
      if (ensure) await tx.run(ensure.sql, ensure.params);
      if (conv.mode !== "bot") {
        await handoff.join(tx, { conversationId: conv.id, text: inbound.text, risk: u.risk.level, at });
      }
      for (const action of transactional) await apply(action, tx);
      for (const st of write(
        [...inboundEvents, ...asEvents(replies)],
        { ...next, mode },
        mode === conv.mode,
      )) {
        await tx.run(st.sql, st.params);
      }
      return result(replies);
    });
    if (announce.handoff) handoff.afterCommit(conv.id);
    if (announce.complaints) complaints.afterCommit(conv.id);
    if (isCrisis(done.risk)) {
      logger.warn(
        { conversationId: conv.id, risk: done.risk, reasons: u.risk.reasons },
        "crisis risk detected",
      );
    }
    return done;
  };

  const unanswered = createUnansweredTurns({ conversations, db, handoff, now });

  return {
    understand: (text) => nlu.understand(text),
    noteTurn: (t) => unanswered.note(t),
    async handleMessage(inbound) {
      const text = validateText(inbound.text);
      if (!inbound.conversationId || inbound.conversationId.length > 128) {
        throw new AppError("bad_input", "conversationId must be 1-128 characters");
      }
      return conversations.exclusive(inbound.conversationId, () => turn({ ...inbound, text }));
    },
  };
}

/** Actions that write through the handoff or complaint modules: they run in the turn's transaction. */
const IN_TRANSACTION: ReadonlySet<Action["kind"]> = new Set([
  "handoff",
  "fileComplaint",
  "followUp",
  "supplement",
]);

const inTransaction = (tx: Queryable | undefined): Queryable => {
  if (!tx) throw new AppError("internal", "this action runs only inside the turn's transaction");
  return tx;
};

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
