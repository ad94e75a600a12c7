import { Composer, type Context, GrammyError } from "grammy";
import type { Message } from "grammy/types";
import { isAppError } from "../../core/app-error.js";
import type { Logger } from "../../core/logger.js";
import type { Button, Reply } from "../../handoff/reply.js";
import { isCrisis, type RiskLevel } from "../../intents/crisis-risk.js";
import { type Engine, MAX_MESSAGE_CHARS } from "../engine.js";
import { messages, telegramMessages } from "../messages.js";
import type { InboundMessage } from "../turn.js";
import { crashPoint } from "./crash.js";
import { conversationIdOf } from "./ids.js";
import type { SendJournal, SendTag } from "./journal.js";
import { decodePayload, markupFor, splitText } from "./keyboard.js";
import { commandText } from "./slash-commands.js";
import type { TelegramStore } from "./store.js";

/** One Telegram message to send; a long reply is split into several, buttons ride on the last part. */
export interface Outgoing {
  text: string;
  buttons?: Button[];
}

/** Identifies one update's turn: where replies go and under which key they are deduplicated. */
export interface TurnKey {
  updateId: number;
  chatId: number;
  userId: number;
}

export type SendMessage = (
  chatId: number,
  text: string,
  markup: ReturnType<typeof markupFor>["markup"],
  tag?: SendTag,
) => Promise<{ message_id: number }>;

/** The citizen blocked the bot or deleted their account: nothing more can reach them on Telegram. */
export class Undeliverable extends Error {}

const atRisk = (risk: { level: RiskLevel; reportOnly: boolean }) => isCrisis(risk.level) && !risk.reportOnly;

const MEDIA_KINDS = [
  "photo",
  "voice",
  "audio",
  "video",
  "video_note",
  "animation",
  "sticker",
  "document",
  "poll",
  "dice",
] as const;

function mediaKind(m: Message): string | undefined {
  for (const k of MEDIA_KINDS) if (m[k] !== undefined) return k;
  return undefined;
}
const labelOf = (kind: string) =>
  telegramMessages.mediaLabels[kind] ?? telegramMessages.mediaLabels.other ?? "消息";

export interface TurnDeps {
  engine: Engine;
  logger: Logger;
  store: TelegramStore;
  send: SendMessage;
  /** Told when a send's confirmation is committed, so it can forget the send. */
  journal: Pick<SendJournal, "committed">;
  now: () => Date;
  /** Updates whose last send also marked them processed: the processor need not write again. */
  finished: Set<number>;
  /** The citizen blocked the bot (my_chat_member "kicked"): they are unsubscribed from campaigns. */
  onBlocked?: (conversationId: string) => Promise<void>;
}

export function createTurns(deps: TurnDeps) {
  const { engine, logger, store, now } = deps;

  /**
   * Sends one message; a 400 (bad markup, bad text) is logged and skipped, a 403 means the chat is gone. `tag`
   * names the message in the send journal, which a restart reads to tell what may have left.
   */
  async function sendOne(chatId: number, m: Outgoing, tag?: SendTag): Promise<number | null> {
    const { markup, stored } = markupFor(m.buttons);
    await store.savePayloads(stored, now().toISOString());
    try {
      return (await deps.send(chatId, m.text, markup, tag)).message_id;
    } catch (e) {
      if (!(e instanceof GrammyError)) throw e;
      if (e.error_code === 403) throw new Undeliverable(e.description);
      if (e.error_code !== 400) throw e;
      logger.error({ chatId, err: e.description }, "telegram refused a message");
      if (!markup) return null;
      try {
        return (await deps.send(chatId, m.text, undefined, tag)).message_id;
      } catch (e2) {
        if (e2 instanceof GrammyError && e2.error_code === 400) return null;
        throw e2;
      }
    }
  }

  /**
   * Sends an update's messages in order, recording each as it is confirmed. `mayHaveSent` is true when this
   * turn ran before (the engine replayed it): messages already recorded are skipped, so a crash between
   * "replies stored" and "sent" never sends one twice. A turn the engine has just created cannot have sent
   * anything yet, which saves the lookup on the common path.
   *
   * `resend` chooses how a message caught in flight by a crash is treated on restart: sent again (a crisis
   * turn: the hotlines must arrive, even twice) or taken as delivered (anything else: no doubled answers).
   */
  async function deliver(
    t: TurnKey,
    out: readonly Outgoing[],
    mayHaveSent: boolean,
    resend = false,
  ): Promise<void> {
    if (out.length === 0) return;
    const done = mayHaveSent ? await store.sentSeqs(t.updateId) : new Set<number>();
    for (let i = 0; i < out.length; i++) {
      const m = out[i];
      if (!m || done.has(i)) continue;
      const last = i === out.length - 1;
      const tag: SendTag = { kind: "turn", updateId: t.updateId, seq: i, resend };
      let id: number | null;
      try {
        id = await sendOne(t.chatId, m, tag);
      } catch (e) {
        if (!(e instanceof Undeliverable)) throw e;
        logger.warn({ chatId: t.chatId, err: e.message }, "telegram chat unreachable; replies dropped");
        await store.markProcessed(t.updateId, now().toISOString(), `undeliverable: ${e.message}`);
        deps.finished.add(t.updateId);
        return;
      }
      await store.markSent(t.updateId, i, id, now().toISOString(), last);
      crashPoint("send:committed");
      deps.journal.committed(tag);
      if (last) deps.finished.add(t.updateId);
    }
  }

  const toOutgoing = (r: Reply): Outgoing[] => {
    const parts = splitText(r.text);
    return parts.map((text, i) =>
      i === parts.length - 1 && r.buttons && r.buttons.length > 0 ? { text, buttons: r.buttons } : { text },
    );
  };

  const inbound = (t: TurnKey, text: string): InboundMessage => ({
    channel: "telegram",
    conversationId: conversationIdOf(t.chatId),
    messageId: String(t.updateId),
    externalUserId: `tg:${t.userId}`,
    text,
  });

  /** A turn the engine does not answer itself (a photo, an edit, an over-long message): the engine stores it. */
  const noteTurn = (t: TurnKey, text: string, replies: Reply[], media: string) =>
    engine.noteTurn({
      channel: "telegram",
      conversationId: conversationIdOf(t.chatId),
      externalUser: `tg:${t.userId}`,
      messageId: String(t.updateId),
      text,
      media,
      replies,
    });

  const note = async (t: TurnKey, text: string, reply: string, media: string) => {
    const r = await noteTurn(t, text, [{ kind: "unreadable", text: reply }], media);
    await deliver(t, r.replies.flatMap(toOutgoing), r.duplicate);
  };

  /**
   * Every piece of text a citizen sends reaches the engine here, so crisis detection runs first on all of it.
   * `after` may add one more message once the engine has answered (never after a crisis reply: that turn
   * carries nothing else).
   */
  async function textTurn(t: TurnKey, raw: string, after?: Outgoing): Promise<void> {
    const text = raw.replaceAll("\u0000", "");
    if (text.trim().length === 0) return note(t, "", messages.empty, "text");
    if (text.length > MAX_MESSAGE_CHARS) return longText(t, text);
    let result: Awaited<ReturnType<Engine["handleMessage"]>>;
    try {
      result = await engine.handleMessage(inbound(t, text));
    } catch (e) {
      if (isAppError(e) && (e.code === "bad_input" || e.code === "too_large")) {
        return note(
          t,
          text,
          e.code === "too_large" ? messages.tooLong(MAX_MESSAGE_CHARS) : messages.empty,
          "text",
        );
      }
      throw e;
    }
    crashPoint("turn:stored");
    const out = result.replies.flatMap(toOutgoing);
    if (after && !isCrisis(result.risk)) out.push(after);
    await deliver(t, out, result.duplicate, isCrisis(result.risk));
  }

  /**
   * Text longer than the engine takes (MAX_MESSAGE_CHARS; Telegram's clients stop at 4096, a forged or future
   * update may not). The whole text is screened first, window by window: if any window of it
   * reads as a crisis, that window goes through the engine (hotlines, a case for counselors). Otherwise the
   * citizen is asked to send it in parts, and the text is kept in the transcript for staff.
   */
  async function longText(t: TurnKey, text: string): Promise<void> {
    const step = MAX_MESSAGE_CHARS - 200;
    let risky: string | undefined;
    // Windows overlap by 200 characters, so a sentence cut at one edge is whole in the next.
    for (let i = 0; i < text.length && !risky; i += step) {
      const w = text.slice(i, i + MAX_MESSAGE_CHARS);
      if (atRisk(engine.understand(w).risk)) risky = w;
    }
    if (risky) return textTurn(t, risky);
    return note(t, telegramMessages.transcript.tooLong(text), messages.tooLong(MAX_MESSAGE_CHARS), "text");
  }

  const keyOf = (ctx: Context, chatId: number): TurnKey => ({
    updateId: ctx.update.update_id,
    chatId,
    userId: ctx.from?.id ?? chatId,
  });

  /** Groups are not a place for personal matters: one polite pointer to a private chat, nothing stored. */
  async function notPrivate(ctx: Context, chatId: number, text: string | undefined) {
    if (!text?.startsWith("/")) return;
    await deliver(keyOf(ctx, chatId), [{ text: telegramMessages.privateOnly }], true);
  }

  const composer = new Composer<Context>();
  composer.use(async (ctx, next) => {
    if (ctx.from?.is_bot) return;
    await next();
  });

  composer.on("my_chat_member", async (ctx) => {
    const m = ctx.myChatMember;
    if (m.chat.type === "private" && m.new_chat_member.status === "kicked")
      await deps.onBlocked?.(conversationIdOf(m.chat.id));
  });

  composer.on("callback_query:data", async (ctx) => {
    const payload = await decodePayload(ctx.callbackQuery.data, (key) => store.payload(key));
    // Stops the spinner on the button; on a replay after a restart the query has expired, which is harmless.
    await ctx
      .answerCallbackQuery(payload ? undefined : { text: telegramMessages.buttonExpired })
      .catch((err: unknown) => logger.debug({ err }, "answerCallbackQuery failed"));
    if (!payload) return;
    const chat = ctx.callbackQuery.message?.chat ?? { id: ctx.callbackQuery.from.id, type: "private" };
    if (chat.type !== "private") return;
    await textTurn(keyOf(ctx, chat.id), payload);
  });

  composer.on("message:text", async (ctx) => {
    if (ctx.chat.type !== "private") return notPrivate(ctx, ctx.chat.id, ctx.message.text);
    const raw = ctx.message.text;
    let text = commandText(raw);
    // "/help 我撑不下去了": words after a command are read for risk before the command wins.
    const rest = /^\/\S+\s+([\s\S]*[^ -~\s][\s\S]*)$/.exec(raw.trim())?.[1];
    if (text !== raw && rest && atRisk(engine.understand(rest).risk)) text = rest;
    await textTurn(keyOf(ctx, ctx.chat.id), text);
  });

  composer.on("edited_message", async (ctx) => {
    if (ctx.chat.type !== "private") return;
    const m = ctx.editedMessage;
    const text = (m.text ?? m.caption ?? "").replaceAll("\u0000", "");
    const t = keyOf(ctx, ctx.chat.id);
    // An edit can turn a message into a cry for help: that is answered like a new message.
    if (text.trim() && atRisk(engine.understand(text.slice(0, MAX_MESSAGE_CHARS * 2)).risk)) {
      return textTurn(t, text);
    }
    await note(
      t,
      telegramMessages.transcript.edited(text || labelOf(mediaKind(m) ?? "other")),
      telegramMessages.edited,
      "edit",
    );
  });

  composer.on("message", async (ctx) => {
    const m = ctx.message;
    if (ctx.chat.type !== "private") return notPrivate(ctx, ctx.chat.id, m.caption);
    const t = keyOf(ctx, ctx.chat.id);
    if (m.location) {
      const v = m.venue;
      const { latitude: lat, longitude: lon } = m.location;
      const line = v
        ? telegramMessages.transcript.venue(v.title, v.address, lat, lon)
        : telegramMessages.transcript.location(lat, lon);
      return note(t, line, telegramMessages.locationReceived, "location");
    }
    if (m.contact) {
      const c = m.contact;
      const name = [c.first_name, c.last_name].filter(Boolean).join(" ");
      return note(
        t,
        telegramMessages.transcript.contact(name, c.phone_number),
        telegramMessages.mediaNotSupported(labelOf("contact")),
        "contact",
      );
    }
    const kind = mediaKind(m);
    // Service messages (pins, member changes) need no answer.
    if (!kind) return;
    const label = labelOf(kind);
    if (m.caption?.trim()) {
      return textTurn(t, m.caption, { text: telegramMessages.captionRead(label) });
    }
    await note(t, telegramMessages.transcript.media(label), telegramMessages.mediaNotSupported(label), kind);
  });

  return { composer, sendOne, deliver, textTurn };
}
