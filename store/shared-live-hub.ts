import { randomUUID } from "node:crypto";
import type { LiveEvent, LiveHub } from "../core/live-hub.js";
import type { Broadcast } from "./sql.js";

/** The PostgreSQL channel live events cross instances on. */
export const LIVE_CHANNEL = "shouwang_live";
/** NOTIFY takes payloads under 8,000 bytes; an event larger than this stays on its own instance. */
const MAX_PAYLOAD = 7_900;

/**
 * A live hub whose events reach every instance: `publish` delivers here at once, as before, and through NOTIFY to
 * the others, which deliver to their own subscribers (a counselor's reply typed on instance B reaches the citizen's
 * page held open on instance A). Events remain notifications only: everything they tell is already stored.
 */
export async function shareLiveHub(
  local: LiveHub,
  broadcast: Broadcast,
  onError: (err: unknown) => void = () => undefined,
): Promise<LiveHub & { close(): Promise<void> }> {
  const origin = randomUUID();
  const stop = await broadcast.listen(LIVE_CHANNEL, (payload) => {
    let message: { origin: string; event: LiveEvent };
    try {
      message = JSON.parse(payload);
    } catch {
      return;
    }
    if (message.origin === origin) return;
    local.publish(message.event.topic, message.event.type, message.event.data);
  });
  return {
    publish(topic, type, data) {
      local.publish(topic, type, data);
      const payload = JSON.stringify({ origin, event: { topic, type, data } });
      if (Buffer.byteLength(payload) > MAX_PAYLOAD) {
        onError(new Error(`live event ${type} on ${topic} too large to cross instances`));
        return;
      }
      broadcast.notify(LIVE_CHANNEL, payload).catch(onError);
    },
    subscribe: (topic, listener) => local.subscribe(topic, listener),
    listeners: (topic) => local.listeners(topic),
    close: stop,
  };
}
