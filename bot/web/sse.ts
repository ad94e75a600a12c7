import type { FastifyReply, FastifyRequest } from "fastify";
import type { LiveHub } from "../live-hub.js";

/**
 * Streams hub topics as server-sent events. A comment line every 20 s keeps mobile carriers' proxies from
 * closing an idle stream; EventSource reconnects by itself and the page reloads history from the store.
 */
export function streamTopics(
  hub: LiveHub,
  topics: readonly string[],
  req: FastifyRequest,
  reply: FastifyReply,
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
  const close = () => {
    clearInterval(heartbeat);
    for (const off of offs) off();
  };
  req.raw.on("close", close);
  res.on("error", close);
  res.on("close", close);
}
