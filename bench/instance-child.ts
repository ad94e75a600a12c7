/**
 * One assistant instance for bench/postgres.ts, in a process of its own as a deployment runs each instance: it opens
 * the store at INSTANCE_DB (a postgres:// URL) and runs the turn loads it is sent over IPC ({ run: TurnLoad }),
 * answering { done: TurnLoadResult } for each. Prints one JSON line {"ready": true, "port": 0} once it can take
 * a load (child-process.ts waits for it); SIGTERM closes the store and exits.
 */
import { createAssistant } from "../bot/assistant.js";
import { createLogger } from "../core/logger.js";
import { runTurns, type TurnLoad } from "./turn-load.js";

async function main() {
  const target = process.env.INSTANCE_DB;
  if (!target) throw new Error("INSTANCE_DB is required");
  const assistant = await createAssistant({ dbPath: target, logger: createLogger({ level: "fatal" }) });
  process.on("message", (m: unknown) => {
    if (m === "cpu") {
      process.send?.({ cpu: process.cpuUsage() });
      return;
    }
    const load = (m as { run?: TurnLoad }).run;
    if (load)
      void runTurns(assistant.engine, load).then((done) => process.send?.({ done, prefix: load.prefix }));
  });
  process.stdout.write(`${JSON.stringify({ ready: true, port: 0 })}\n`);
  process.once("SIGTERM", () => {
    void assistant.close().finally(() => process.exit(0));
  });
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
