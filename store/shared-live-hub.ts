import { randomUUID } from "node:crypto";
import type { LiveEvent, LiveHub } from "../core/live-hub.js";
import type { Broadcast } from "./sql.js";

/** The PostgreSQL channel live events cross instances on. */
export const LIVE_CHANNEL = "shouwang_live";
/** NOTIFY takes payloads under 8,000 bytes. */
const MAX_PAYLOAD = 7_900;
/**
 * Characters of a larger event's JSON per part: at most 3 bytes each in UTF-8 (a surrogate pair is 4 bytes for 2),
 * plus the part's envelope, stays under MAX_PAYLOAD.
 */
const PART_CHARS = 2_400;
/** A citizen's longest message is 4,096 characters; nothing live is anywhere near this. */
const MAX_EVENT_CHARS = 256_000;
/** Parts of an event still incomplete after this are dropped (a listener reconnected in between). */
const PART_TIMEOUT_MS = 60_000;

type Message =
  | { origin: string; event: LiveEvent }
  | { origin: string; part: { id: string; index: number; count: number; text: string } };

/**
 * A live hub whose events reach every instance: `publish` delivers here at once, as before, and through NOTIFY to
 * the others, which deliver to their own subscribers (a counselor's reply typed on instance B reaches the citizen's
 * page held open on instance A). An event too large for one NOTIFY (a long letter pasted by a citizen) goes in
 * parts and is put together on arrival. Events remain notifications only: everything they tell is already stored.
 */
export async function shareLiveHub(
  local: LiveHub,
  broadcast: Broadcast,
  onError: (err: unknown) => void = () => undefined,
  clock: () => number = Date.now,
): Promise<LiveHub & { close(): Promise<void> }> {
  const origin = randomUUID();
  const pending = new Map<string, { parts: (string | undefined)[]; received: number; started: number }>();

  const deliver = (event: LiveEvent) => local.publish(event.topic, event.type, event.data);
  const assemble = (part: { id: string; index: number; count: number; text: string }) => {
    const now = clock();
    for (const [id, p] of pending) if (now - p.started > PART_TIMEOUT_MS) pending.delete(id);
    if (part.count < 2 || part.count * PART_CHARS > MAX_EVENT_CHARS || part.index >= part.count) return;
    let p = pending.get(part.id);
    if (!p) {
      p = { parts: new Array(part.count).fill(undefined), received: 0, started: now };
      pending.set(part.id, p);
    }
    if (p.parts[part.index] !== undefined) return;
    p.parts[part.index] = part.text;
    p.received++;
    if (p.received < part.count) return;
    pending.delete(part.id);
    try {
      deliver(JSON.parse(p.parts.join("")) as LiveEvent);
    } catch (err) {
      onError(err);
    }
  };

  const stop = await broadcast.listen(LIVE_CHANNEL, (payload) => {
    let message: Message;
    try {
      message = JSON.parse(payload);
    } catch {
      return;
    }
    if (message.origin === origin) return;
    if ("part" in message) assemble(message.part);
    else deliver(message.event);
  });

  const send = (payload: string) => broadcast.notify(LIVE_CHANNEL, payload).catch(onError);
  return {
    publish(topic, type, data) {
      local.publish(topic, type, data);
      const event: LiveEvent = { topic, type, data };
      const payload = JSON.stringify({ origin, event });
      if (Buffer.byteLength(payload) <= MAX_PAYLOAD) {
        void send(payload);
        return;
      }
      const text = JSON.stringify(event);
      if (text.length > MAX_EVENT_CHARS) {
        onError(new Error(`live event ${type} on ${topic} too large to cross instances`));
        return;
      }
      const id = randomUUID();
      const count = Math.ceil(text.length / PART_CHARS);
      for (let index = 0; index < count; index++) {
        const part = { id, index, count, text: text.slice(index * PART_CHARS, (index + 1) * PART_CHARS) };
        void send(JSON.stringify({ origin, part }));
      }
    },
    subscribe: (topic, listener) => local.subscribe(topic, listener),
    listeners: (topic) => local.listeners(topic),
    close: stop,
  };
}
