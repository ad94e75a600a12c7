import { describe, expect, it } from "vitest";
import { restartable } from "./restartable.js";

/** A run whose begin waits, like a start waiting for an unreachable Telegram, until let go or aborted. */
function recorder() {
  const log: string[] = [];
  let letGo: (() => void) | undefined;
  const run = restartable({
    async begin(signal) {
      log.push("begin");
      await new Promise<void>((resolve, reject) => {
        letGo = resolve;
        signal.addEventListener("abort", () => reject(new Error("stopped while starting")), { once: true });
      });
      log.push("running");
    },
    async end() {
      log.push("end");
    },
  });
  return { log, run, letGo: () => letGo?.() };
}

describe("a run the Telegram lease starts and stops", () => {
  it("a stop cuts short a start still waiting, and the start that follows runs after the teardown", async () => {
    const { log, run, letGo } = recorder();
    const first = run.start();
    await new Promise((r) => setImmediate(r));
    const stopping = run.stop(100);
    await expect(first).resolves.toBeUndefined();
    await stopping;
    expect(log).toEqual(["begin", "end"]);

    const second = run.start();
    await new Promise((r) => setImmediate(r));
    letGo();
    await second;
    expect(log).toEqual(["begin", "end", "begin", "running"]);
  });

  it("a start called while running, or before a stop already asked for, runs nothing; a second stop is harmless", async () => {
    const { log, run, letGo } = recorder();
    const first = run.start();
    await new Promise((r) => setImmediate(r));
    letGo();
    await first;
    await run.start();
    expect(log).toEqual(["begin", "running"]);

    await Promise.all([run.stop(100), run.stop(100)]);
    const late = run.start();
    const stop = run.stop(100);
    await Promise.all([late, stop]);
    expect(log).toEqual(["begin", "running", "end", "end", "end"]);
  });

  it("a start that fails for its own reason says so, leaves nothing running, and may be tried again", async () => {
    const log: string[] = [];
    let refused = true;
    const run = restartable({
      begin: async () => {
        log.push("begin");
        if (refused) throw new Error("Telegram getMe failed: 401 Unauthorized");
      },
      end: async () => {
        log.push("end");
      },
    });
    await expect(run.start()).rejects.toThrow(/401/);
    refused = false;
    await run.start();
    expect(log).toEqual(["begin", "end", "begin"]);
  });
});
