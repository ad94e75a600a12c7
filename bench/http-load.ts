import { Agent, request } from "node:http";
import type { FastifyInstance } from "fastify";
import { percentile } from "./stats.js";

/** The baseline /api/chat is compared against: a trivial route on the same server, answering its body. */
export const ECHO_PATH = "/bench/echo";

/** For buildServer's `plugins`: registers the echo route (production servers have none). */
export function echoRoute(app: FastifyInstance): void {
  app.post(ECHO_PATH, async (req) => req.body);
}

/**
 * A closed-loop load generator over keep-alive connections: `concurrency` clients each send the next request as
 * soon as the previous answers. Same process as the server, so the figure is a ratio, not an absolute.
 */
export async function load(
  port: number,
  path: string,
  bodies: readonly string[],
  { concurrency = 16, durationMs = 3000 } = {},
): Promise<{ perSecond: number; p50us: number; p99us: number; errors: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const times: number[] = [];
  let errors = 0;
  let i = 0;
  const deadline = performance.now() + durationMs;
  const one = (body: string) =>
    new Promise<number>((resolve) => {
      const t0 = performance.now();
      const req = request(
        {
          host: "127.0.0.1",
          port,
          path,
          method: "POST",
          agent,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        },
      );
      req.on("error", () => resolve(0));
      req.end(body);
      void t0;
    });
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const body = bodies[i++ % bodies.length] ?? "{}";
        const t0 = performance.now();
        const status = await one(body);
        times.push((performance.now() - t0) * 1000);
        if (status !== 200) errors++;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  times.sort((a, b) => a - b);
  return {
    perSecond: times.length / elapsed,
    p50us: percentile(times, 50),
    p99us: percentile(times, 99),
    errors,
  };
}
