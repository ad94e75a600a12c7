import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { type Browser, chromium } from "playwright-core";
import { buildServer } from "../bot/server.js";
import { testAssistant } from "./helpers.js";

export const CHROMIUM = "/usr/bin/chromium";

/** Debian's Chromium, headless, with nothing that would try to reach the network (see ../shared/notes). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get update && apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/** The real server on a free loopback port, around a fresh test assistant. */
export async function startTestServer(): Promise<{
  a: Awaited<ReturnType<typeof testAssistant>>;
  app: FastifyInstance;
  base: string;
}> {
  const a = await testAssistant();
  const app = await buildServer(a);
  await app.listen({ port: 0, host: "127.0.0.1" });
  return { a, app, base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}
