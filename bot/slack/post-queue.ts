import type { webApi } from "@slack/bolt";
import { createKeyedSerial } from "./serial.js";

type PostArgs = webApi.ChatPostMessageArguments & { channel: string };

/**
 * chat.postMessage allows about one message per second per channel: posts to one channel leave at least
 * `intervalMs` apart, in order. The WebClient itself waits out a 429's Retry-After.
 */
export function createPostQueue(client: webApi.WebClient, intervalMs = 1000) {
  const serial = createKeyedSerial();
  const lastSent = new Map<string, number>();
  return {
    post(args: PostArgs): Promise<webApi.ChatPostMessageResponse> {
      return serial.run(args.channel, async () => {
        const wait = (lastSent.get(args.channel) ?? 0) + intervalMs - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        try {
          return await client.chat.postMessage(args);
        } finally {
          lastSent.set(args.channel, Date.now());
        }
      });
    },
    idle: () => serial.idle(),
  };
}

export type PostQueue = ReturnType<typeof createPostQueue>;
