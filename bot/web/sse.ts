import type { FastifyReply, FastifyRequest } from "fastify";
import type { LiveHub } from "../../core/live-hub.js";

/**
 * Streams hub topics as server-sent events. A comment line every 20 s keeps mobile carriers' proxies from
 * closing an idle stream; EventSource reconnects by itself and the page reloads history from the store.
 */
/** How often a staff stream re-checks its session: a logout or expiry ends the stream within this. */
export const ALIVE_CHECK_MS = 2_000;

export function streamTopics(
  hub: LiveHub,
  topics: readonly string[],
  req: FastifyRequest,
  reply: FastifyReply,
  /** Checked every few seconds (a staff session still valid); the stream ends when it says no. */
  alive?: () => Promise<boolean>,
): void {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  res.write("retry: 3000\n\n");
  const offs = topics.map((topic) =>
    hub.subscribe(topic, (e) => {
      res.write(`event: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`);
    }),
  );
  const heartbeat = setInterval(() => res.write(": ping\n\n"), 20_000);
  const check = alive
    ? setInterval(() => {
        alive()
          .then((ok) => {
            if (!ok) res.end();
          })
          .catch(() => res.end());
      }, ALIVE_CHECK_MS)
    : undefined;
  const close = () => {
    clearInterval(heartbeat);
    if (check) clearInterval(check);
    for (const off of offs) off();
  };
  req.raw.on("close", close);
  res.on("error", close);
  res.on("close", close);
}
