/**
 * Measures 诉求 recognition on real letters: `npx tsx bench/complaint-eval.ts`.
 *
 * ../shared/eval-dev/complaints-stream.jsonl holds real messages citizens sent to a city government (no licence to
 * redistribute: read here at run time, aggregates printed, never a row). Every one is a 诉求 and none a crisis. The
 * script sends each, as the first message of its own conversation, through the real engine and counts what the
 * citizen would get back: the offer to register it, the crisis path, an answer, or "not sure". The knowledge-base
 * phrasings (everyday questions, which the bot must answer, not register) are run the same way.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAssistant } from "../bot/assistant.js";
import { createLogger } from "../core/logger.js";
import { projectPath } from "../core/paths.js";

const STREAM = projectPath("..", "shared", "eval-dev", "complaints-stream.jsonl");

async function main(): Promise<void> {
  if (!existsSync(STREAM)) {
    console.log("complaint stream not found; nothing to measure.");
    return;
  }
  const letters = readFileSync(STREAM, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => (JSON.parse(l) as { text: string }).text);
  const everyday: string[] = [];
  for (const f of readdirSync(projectPath("knowledge", "entries"))) {
    const text = readFileSync(projectPath("knowledge", "entries", f), "utf8");
    for (const m of text.matchAll(/^ {4}- (.+)$/gm)) if (m[1] && !m[1].includes(":")) everyday.push(m[1]);
  }
  const tmp = mkdtempSync(join(tmpdir(), "shouwang-complaint-eval-"));
  const a = await createAssistant({
    dbPath: join(tmp, "eval.db"),
    logger: createLogger({ level: "silent" }),
  });
  try {
    const run = async (name: string, texts: string[]) => {
      const kinds = new Map<string, number>();
      let recognised = 0;
      let byButton = 0;
      for (const [i, text] of texts.entries()) {
        if (a.engine.understand(text).complaint.recognised) recognised++;
        const r = await a.engine.handleMessage({ channel: "cli", conversationId: `${name}-${i}`, text });
        const first = r.replies[0];
        const kind = first?.kind ?? "none";
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        // A story told to ask what the law allows is answered first, with 登记诉求 as a button beside the answer.
        if (kind !== "complaint" && first?.buttons?.some((b) => b.payload === "登记诉求")) byButton++;
      }
      const pct = (n: number) => `${((100 * n) / texts.length).toFixed(1)}%`;
      const offered = kinds.get("complaint") ?? 0;
      console.log(
        `${name}: ${texts.length}; read as 诉求 ${recognised} (${pct(recognised)}); offered registration ${offered} (${pct(offered)}), or answered with a 登记诉求 button ${byButton} (${pct(byButton)})`,
      );
      console.log(`  first reply kinds: ${[...kinds].map(([k, n]) => `${k} ${pct(n)}`).join(", ")}`);
    };
    await run("real letters to a government", letters);
    await run("knowledge-base phrasings", everyday);
  } finally {
    await a.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

void main();
