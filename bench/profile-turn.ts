/** CPU profile of sequential turns (npx tsx --cpu-prof bench/profile-turn.ts). */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildNlu, createAssistant } from "../bot/assistant.js";
import { createLogger } from "../core/logger.js";

const bundle = buildNlu();
const a = await createAssistant({
  dbPath: join(mkdtempSync(join(tmpdir(), "prof-")), "p.db"),
  logger: createLogger({ level: "silent" }),
  nlu: bundle,
});
const texts = bundle.knowledge.flatMap((e) => e.questions);
const t0 = performance.now();
let n = 0;
for (let r = 0; r < 5; r++)
  for (const [i, text] of texts.entries()) {
    await a.engine.handleMessage({ channel: "web", conversationId: `c-${i % 300}`, text });
    n++;
  }
console.log(`${n} turns, ${(((performance.now() - t0) / n) * 1000).toFixed(0)} us/turn`);
await a.close();
