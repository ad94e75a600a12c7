// Over 400 lines on purpose: the callback's steps (verify, decrypt, route, answer within WeChat's 5 s or hand over
// to the outbox) share one request's state; the parts that stand alone are apart (api, crypto, xml, render, outbox).
import { createHash, randomBytes } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { campaignMessages } from "../../handoff/messages.js";
import type { Reply } from "../../handoff/reply.js";
import type { Assistant } from "../assistant.js";
import { MAX_MESSAGE_CHARS } from "../engine.js";
import { MAIN_BUTTONS, messages, wechatMessages } from "../messages.js";
import { createWechatApi, type WechatApi, WechatApiError } from "./api.js";
import {
  createWechatCrypto,
  signatureMatches,
  type WechatCrypto,
  WechatCryptoError,
  wechatSignature,
} from "./crypto.js";
import { conversationIdOf } from "./ids.js";
import { createWechatOutbox, describe } from "./outbox.js";
import { createOwedAnswers } from "./owed.js";
import { MAX_TEXT_BYTES, renderReplies } from "./render.js";
import { encryptedReplyXml, parseWechatXml, textReplyXml, XmlError } from "./xml.js";

export const WECHAT_PATH = "/wechat";
/** The largest body accepted at /wechat; WeChat's messages are a few hundred bytes. */
export const WECHAT_BODY_LIMIT = 32 * 1024;

export interface WechatConfig {
  /** The Token entered in 基本配置 → 服务器配置 (3-32 letters and digits). */
  token: string;
  appId: string;
  appSecret: string;
  /** 安全模式: the 43-character EncodingAESKey. Set, every POST must be encrypted. */
  encodingAesKey?: string;
  /** Default https://api.weixin.qq.com. */
  apiRoot?: string;
  /**
   * How long a message's answer may take to go back in the HTTP response. WeChat waits 5 s and then retries;
   * after this the request is answered `success` and the answer goes through the customer-service API.
   * Default 4,000 ms.
   */
  replyDeadlineMs?: number;
  /** Signed requests whose timestamp is further than this from now are refused. Default 300 s. */
  maxSkewSeconds?: number;
  /** Pauses before each retry of a customer-service message that failed (not for a closed window). */
  retryDelaysMs?: readonly number[];
  now?: () => Date;
}

export interface WechatChannel {
  /** GET and POST /wechat, in their own scope (XML body parsing); pass it to `buildServer`. */
  plugin: (app: FastifyInstance) => Promise<void>;
  api: WechatApi;
  /** Sends the answers an earlier process owed after telling WeChat \`success\`; call once on start. */
  resume(): Promise<number>;
  /** Resolves when no answer is waiting to be sent. */
  idle(): Promise<void>;
  /** Stops taking new sends; waits up to `timeoutMs` for those under way. */
  stop(timeoutMs?: number): Promise<void>;
}

const OPENID = /^[A-Za-z0-9_-]{1,64}$/;
const NONCE = /^[A-Za-z0-9_-]{1,64}$/;
const TIMESTAMP = /^[0-9]{1,12}$/;
const TOKEN = /^[A-Za-z0-9]{3,32}$/;

interface SignedQuery {
  signature?: unknown;
  timestamp?: unknown;
  nonce?: unknown;
  echostr?: unknown;
  encrypt_type?: unknown;
  msg_signature?: unknown;
  openid?: unknown;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A WeChat Official Account (服务号) on the shared engine. WeChat POSTs each message to /wechat; it is checked
 * (signature, timestamp, a nonce not replayed with another body, and in safe mode the message signature and
 * AES decryption), then handed to the engine, which stores it before answering, with the MsgId as its delivery
 * key, so WeChat's retries are answered once. An answer ready within `replyDeadlineMs` goes back in the
 * response; a later one, or one too long for a single message, goes through the customer-service API.
 * Staff replies go the same way (a channel sender), within WeChat's 48-hour window only.
 */
export function createWechatChannel(assistant: Assistant, config: WechatConfig): WechatChannel {
  if (!TOKEN.test(config.token)) throw new Error("WECHAT_TOKEN must be 3-32 letters and digits");
  if (!config.appId || !config.appSecret)
    throw new Error("WeChat: WECHAT_APP_ID and WECHAT_APP_SECRET are required");
  const { engine, db, logger: base } = assistant;
  const logger = base.child({ component: "wechat" });
  const now = config.now ?? (() => new Date());
  const deadlineMs = config.replyDeadlineMs ?? 4000;
  const maxSkew = config.maxSkewSeconds ?? 300;
  const retryDelays = config.retryDelaysMs ?? [1000, 5000, 30_000];
  const crypto: WechatCrypto | undefined = config.encodingAesKey
    ? createWechatCrypto(config.encodingAesKey, config.appId)
    : undefined;
  const api = createWechatApi({
    appId: config.appId,
    appSecret: config.appSecret,
    apiRoot: config.apiRoot,
    logger,
    now: () => now().getTime(),
  });

  const outbox = createWechatOutbox({
    api,
    conversations: assistant.conversations,
    logger,
    now,
    retryDelays,
  });
  const owed = createOwedAnswers(db, now);
  const { track } = outbox;
  assistant.outbound.register("wechat", outbox.sender, outbox.check);

  // ---- turns -------------------------------------------------------------------------------------------
  interface TurnOutcome {
    replies: Reply[];
    duplicate: boolean;
  }

  const externalUser = (openId: string) => `wx:${openId}`;

  async function textTurn(openId: string, messageId: string, text: string): Promise<TurnOutcome> {
    const clean = text.replaceAll("\u0000", "");
    if (clean.trim().length === 0)
      return noteTurn(openId, messageId, "", [unreadable(messages.empty)], "text");
    if (clean.length > MAX_MESSAGE_CHARS) {
      return noteTurn(
        openId,
        messageId,
        wechatMessages.transcript.tooLong(clean.slice(0, MAX_MESSAGE_CHARS)),
        [unreadable(messages.tooLong(MAX_MESSAGE_CHARS))],
        "text",
      );
    }
    const r = await engine.handleMessage({
      channel: "wechat",
      conversationId: conversationIdOf(openId),
      messageId,
      externalUserId: externalUser(openId),
      text: clean,
    });
    return { replies: r.replies, duplicate: r.duplicate };
  }

  const unreadable = (text: string): Reply => ({ kind: "unreadable", text });

  /** A turn the engine does not answer itself (a picture, a location, a follow): the engine stores it. */
  const noteTurn = (
    openId: string,
    messageId: string,
    text: string,
    replies: Reply[],
    media: string,
    patch: { subscribed?: boolean } = {},
  ): Promise<TurnOutcome> =>
    engine.noteTurn({
      channel: "wechat",
      conversationId: conversationIdOf(openId),
      externalUser: externalUser(openId),
      messageId,
      text,
      media,
      replies,
      ...patch,
    });

  /** What one authenticated message asks of us: a turn to run, a polite word that stores nothing, or nothing. */
  function route(
    m: Record<string, string>,
    openId: string,
  ): { key: string; turn: () => Promise<TurnOutcome> } | { say: string } | { nothing: true } {
    const type = m.MsgType ?? "";
    const createTime = m.CreateTime ?? "";
    const messageId = /^[0-9]{1,24}$/.test(m.MsgId ?? "") ? `msg:${m.MsgId}` : `ev:${openId}:${createTime}`;
    const turn = (run: (key: string) => Promise<TurnOutcome>, key = messageId) => ({
      key,
      turn: () => run(key),
    });
    const label = (k: string) => wechatMessages.mediaLabels[k] ?? wechatMessages.mediaLabels.other ?? "";
    switch (type) {
      case "text":
        return turn((key) => textTurn(openId, key, m.Content ?? ""));
      case "voice": {
        const heard = (m.Recognition ?? "").trim();
        if (heard) return turn((key) => textTurn(openId, key, heard));
        return turn((key) =>
          noteTurn(
            openId,
            key,
            wechatMessages.transcript.voiceUnrecognised,
            [unreadable(wechatMessages.voiceUnrecognised)],
            "voice",
          ),
        );
      }
      case "image":
      case "video":
      case "shortvideo":
      case "file":
        return turn((key) =>
          noteTurn(
            openId,
            key,
            wechatMessages.transcript.media(label(type)),
            [unreadable(wechatMessages.mediaNotSupported(label(type)))],
            type,
          ),
        );
      case "location":
        return turn((key) =>
          noteTurn(
            openId,
            key,
            wechatMessages.transcript.location(m.Label ?? "", m.Location_X ?? "", m.Location_Y ?? ""),
            [unreadable(wechatMessages.locationReceived)],
            "location",
          ),
        );
      case "link":
        return turn((key) =>
          noteTurn(
            openId,
            key,
            wechatMessages.transcript.link(m.Title ?? "", m.Url ?? ""),
            [unreadable(wechatMessages.linkReceived)],
            "link",
          ),
        );
      case "event": {
        const event = (m.Event ?? "").toLowerCase();
        if (event === "subscribe") {
          return turn(
            (key) =>
              noteTurn(
                openId,
                key,
                wechatMessages.transcript.subscribed,
                [{ kind: "menu", text: messages.welcome, buttons: MAIN_BUTTONS }],
                "subscribe",
              ),
            `ev:${openId}:${createTime}`,
          );
        }
        if (event === "unsubscribe") {
          // They can no longer be written to; campaigns stop as with 退订.
          return turn(async (key) => {
            const outcome = await noteTurn(
              openId,
              key,
              wechatMessages.transcript.unsubscribed,
              [],
              "unsubscribe",
              { subscribed: false },
            );
            await assistant.subscriptions.unsubscribe({
              conversationId: conversationIdOf(openId),
              wording: campaignMessages.unfollowedRecord,
              at: now().toISOString(),
              action: "blocked",
            });
            return outcome;
          }, `ev:${openId}:${createTime}`);
        }
        // Menu clicks, scans, location reports, delivery reports: nothing to answer.
        return { nothing: true };
      }
      default:
        return { say: wechatMessages.unknownType };
    }
  }

  /** The passive reply to `m`, encrypted in safe mode. */
  function passive(reply: FastifyReply, m: Record<string, string>, text: string): string {
    reply.type("application/xml; charset=utf-8");
    const xml = textReplyXml(
      m.FromUserName ?? "",
      m.ToUserName ?? "",
      Math.floor(now().getTime() / 1000),
      text,
    );
    if (!crypto) return xml;
    const encrypted = crypto.encrypt(xml);
    const timestamp = String(Math.floor(now().getTime() / 1000));
    const nonce = String(randomBytes(4).readUInt32BE(0));
    return encryptedReplyXml(
      encrypted,
      wechatSignature(config.token, timestamp, nonce, encrypted),
      timestamp,
      nonce,
    );
  }

  // ---- the HTTP side -------------------------------------------------------------------------------------
  /** Nonces seen in the last `maxSkew` seconds, with a hash of the body they came with. */
  const seenNonces = recentKeys<string>(100_000);
  const rememberNonce = (key: string, bodyHash: string): boolean => {
    const t = now().getTime();
    const seen = seenNonces.get(key, t);
    if (seen !== undefined) return seen === bodyHash;
    seenNonces.set(key, bodyHash, t, t + maxSkew * 2000);
    return true;
  };
  /**
   * Messages this process has taken (their delivery keys), for as long as WeChat may retry them. A retry of one
   * of these is answered `success`: this process gave its answer or is sending it. A retry of a message stored
   * by an earlier process means that process stopped before WeChat had the answer (WeChat asks again only when
   * it got none), so the stored answer is given again.
   */
  const taken = recentKeys<true>(100_000);
  const takenBefore = (key: string): boolean => {
    const t = now().getTime();
    if (taken.get(key, t)) return true;
    taken.set(key, true, t, t + maxSkew * 2000);
    return false;
  };

  const refuse = (reply: FastifyReply, why: string) => {
    logger.warn({ why }, "wechat: request refused");
    return reply.status(401).type("text/plain; charset=utf-8").send("unauthorized");
  };

  /** Signature and timestamp of the query; a reason to refuse, or undefined when it holds. */
  function badSignature(q: SignedQuery): string | undefined {
    const { signature, timestamp, nonce } = q;
    if (typeof timestamp !== "string" || !TIMESTAMP.test(timestamp)) return "missing timestamp";
    if (typeof nonce !== "string" || !NONCE.test(nonce)) return "missing nonce";
    if (!signatureMatches(wechatSignature(config.token, timestamp, nonce), signature)) return "bad signature";
    if (Math.abs(now().getTime() / 1000 - Number(timestamp)) > maxSkew) return "timestamp too far from now";
    return undefined;
  }

  /**
   * Sends an owed answer through the customer-service API, then forgets the message. A send that fails for a
   * reason that may pass stays owed and is tried again on the next start; a closed 48-hour window ends it.
   */
  async function settle(row: Promise<unknown>, key: string, openId: string, replies: readonly Reply[]) {
    try {
      await row;
      // Marked as leaving only when its request is about to go: a crash while it waits for the person's line or
      // the token leaves it owed, and the next start sends it (marked earlier, it was never sent).
      if (replies.length > 0)
        await outbox.send(
          openId,
          renderReplies(replies),
          replies.some((r) => r.kind === "crisis"),
          () => owed.sending(key),
        );
      await owed.done(key);
    } catch (err) {
      if (err instanceof WechatApiError && err.unreachable) {
        logger.warn({ err: describe(err) }, "wechat: an owed answer cannot reach the citizen any more");
        await owed.done(key).catch(() => undefined);
        return;
      }
      if (err instanceof WechatApiError) await owed.notSent(key).catch(() => undefined);
      logger.error({ err: describe(err) }, "wechat: an owed answer is kept to be sent on the next start");
    }
  }

  /**
   * On start: answers owed by an earlier process. Each turn runs again by its key (stored once); a send already
   * handed to the API is repeated only for a crisis answer, as Telegram's journal does.
   */
  async function resume(): Promise<number> {
    let n = 0;
    for (const row of await owed.pending()) {
      let m: Record<string, string>;
      try {
        m = parseWechatXml(row.xml);
      } catch {
        await owed.done(row.key);
        continue;
      }
      const what = route(m, row.open_id);
      if (!("turn" in what)) {
        await owed.done(row.key);
        continue;
      }
      // A WeChat retry of it reaching this process now is answered `success`, as for any message taken here.
      takenBefore(row.key);
      const r = await track(what.turn());
      // Handed to the API before the crash: it may have arrived. Only a crisis answer is sent again.
      if (row.sending_at !== null && !r.replies.some((x) => x.kind === "crisis")) {
        logger.warn(
          { key: row.key },
          "wechat: an answer may have been sent before a restart; not sent again",
        );
        await owed.done(row.key);
        continue;
      }
      await settle(Promise.resolve(), row.key, row.open_id, r.replies);
      n++;
    }
    return n;
  }

  const plugin = async (app: FastifyInstance) => {
    // WeChat sends text/xml; anything else is read as text too and refused by the XML reader if it is not XML.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("*", { parseAs: "string", bodyLimit: WECHAT_BODY_LIMIT }, (_req, body, done) =>
      done(null, body),
    );

    app.get(WECHAT_PATH, async (req: FastifyRequest<{ Querystring: SignedQuery }>, reply) => {
      const q = req.query ?? {};
      const bad = badSignature(q);
      if (bad) return refuse(reply, bad);
      const echo = q.echostr;
      if (typeof echo !== "string" || !/^[A-Za-z0-9_-]{1,128}$/.test(echo))
        return refuse(reply, "bad echostr");
      return reply.type("text/plain; charset=utf-8").send(echo);
    });

    app.post(
      WECHAT_PATH,
      { bodyLimit: WECHAT_BODY_LIMIT },
      async (req: FastifyRequest<{ Querystring: SignedQuery; Body: unknown }>, reply) => {
        const q = req.query ?? {};
        const bad = badSignature(q);
        if (bad) return refuse(reply, bad);
        const body = typeof req.body === "string" ? req.body : "";
        const key = `${q.timestamp}:${q.nonce}`;
        if (!rememberNonce(key, createHash("sha256").update(body).digest("hex")))
          return refuse(reply, "nonce replayed with another body");

        let m: Record<string, string>;
        let xml = body;
        try {
          if (crypto) {
            if (q.encrypt_type !== "aes") return refuse(reply, "safe mode: unencrypted message");
            const outer = parseWechatXml(body);
            const encrypted = outer.Encrypt ?? "";
            const expected = wechatSignature(config.token, String(q.timestamp), String(q.nonce), encrypted);
            if (!encrypted || !signatureMatches(expected, q.msg_signature))
              return refuse(reply, "bad msg_signature");
            xml = crypto.decrypt(encrypted);
          }
          m = parseWechatXml(xml);
        } catch (err) {
          if (!(err instanceof XmlError || err instanceof WechatCryptoError)) throw err;
          logger.warn({ why: err.message }, "wechat: unreadable message refused");
          return reply.status(400).send({ error: "bad_input", message: "not a WeChat message" });
        }
        const openId = m.FromUserName ?? "";
        if (
          !OPENID.test(openId) ||
          !m.ToUserName ||
          !m.MsgType ||
          !/^[0-9]{1,12}$/.test(m.CreateTime ?? "")
        ) {
          logger.warn({ why: "missing fields" }, "wechat: unreadable message refused");
          return reply.status(400).send({ error: "bad_input", message: "not a WeChat message" });
        }
        if (q.openid !== undefined && q.openid !== openId) return refuse(reply, "openid does not match");

        const what = route(m, openId);
        reply.type("text/plain; charset=utf-8");
        if ("nothing" in what) return "success";
        if ("say" in what) {
          // Nothing stored: a type we do not know may carry anything.
          logger.info(
            { msgType: m.MsgType?.slice(0, 32) },
            "wechat: message type not handled; answered politely",
          );
          return passive(reply, m, what.say);
        }
        if (outbox.stopped()) return reply.status(503).send("busy");

        // A duplicate answered here already is not answered again; one stored by an earlier process is, unless
        // that process already said \`success\` and owes the answer through the API (it is sent on start).
        const answeredHere = takenBefore(what.key);
        if (!answeredHere && (await owed.has(what.key))) return "success";
        const again = (r: TurnOutcome) => r.duplicate && answeredHere;
        // Set when WeChat is told \`success\` before the answer is ready: the stored promise of the answer.
        let owedRow: Promise<unknown> | undefined;
        const work = track(
          what.turn().then(
            (r) => {
              if (owedRow) void track(settle(owedRow, what.key, openId, again(r) ? [] : r.replies));
              return r;
            },
            (err) => {
              logger.error({ err: describe(err) }, "wechat: a message could not be handled");
              const r: TurnOutcome = { replies: [unreadable(messages.error)], duplicate: false };
              if (owedRow) void track(settle(owedRow, what.key, openId, r.replies));
              return r;
            },
          ),
        );
        let timer: NodeJS.Timeout | undefined;
        const outcome = await Promise.race([
          work,
          new Promise<undefined>((resolve) => {
            timer = setTimeout(() => resolve(undefined), deadlineMs);
          }),
        ]);
        clearTimeout(timer);
        if (!outcome) {
          // The raw message is stored before \`success\`: a restart runs the turn again and sends its answer.
          owedRow = owed.add(what.key, openId, xml);
          await owedRow;
          return "success";
        }
        // A retry of a message answered here: WeChat has that answer (or it went through the API).
        if (again(outcome) || outcome.replies.length === 0) return "success";
        const texts = renderReplies(outcome.replies);
        const joined = texts.join("\n\n");
        const crisis = outcome.replies.some((r) => r.kind === "crisis");
        // One passive message when it fits and nothing sent earlier is still on its way to this person.
        if (Buffer.byteLength(joined) <= MAX_TEXT_BYTES && (crisis || !outbox.busy(openId)))
          return passive(reply, m, joined);
        const row = owed.add(what.key, openId, xml);
        await row;
        void track(settle(row, what.key, openId, outcome.replies));
        return "success";
      },
    );
  };

  return {
    plugin,
    api,
    resume,
    idle: () => outbox.idle(),
    async stop(timeoutMs = 5000) {
      outbox.stop();
      await Promise.race([outbox.idle(), sleep(timeoutMs)]);
    },
  };
}

/** Keys remembered until a time, at most `max` of them: when full, the expired go, then the oldest. */
function recentKeys<V>(max: number) {
  const entries = new Map<string, { value: V; until: number }>();
  return {
    get(key: string, t: number): V | undefined {
      const e = entries.get(key);
      return e && e.until > t ? e.value : undefined;
    },
    set(key: string, value: V, t: number, until: number) {
      if (entries.size >= max) {
        for (const [k, v] of entries) if (v.until <= t) entries.delete(k);
        // Still full: forget the oldest rather than refuse WeChat.
        while (entries.size >= max) {
          const oldest = entries.keys().next().value;
          if (oldest === undefined) break;
          entries.delete(oldest);
        }
      }
      entries.delete(key);
      entries.set(key, { value, until });
    },
  };
}
