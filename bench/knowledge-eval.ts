/**
 * Knowledge-base coverage on questions no one tuned to: `npx tsx bench/knowledge-eval.ts [--misses]`.
 * Prints, by domain, how many blind-written questions got an answer in their domain, an honest referral, "not
 * sure", or a wrong answer.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAssistant } from "../bot/assistant.js";
import { createLogger } from "../core/logger.js";
import { judge, type Outcome, readBlindQuestions } from "./knowledge-outcomes.js";

const tmp = mkdtempSync(join(tmpdir(), "shouwang-knowledge-eval-"));
const assistant = await createAssistant({
  dbPath: join(tmp, "eval.db"),
  logger: createLogger({ level: "silent" }),
});
try {
  const judged = await judge(assistant, readBlindQuestions());
  const outcomes: Outcome[] = [
    "answered",
    "referred",
    "honest",
    "unsure",
    "registration",
    "support",
    "wrong_answer",
    "wrong_referral",
  ];
  const byDomain = new Map<string, Map<Outcome, number>>();
  for (const j of judged) {
    const m = byDomain.get(j.domain) ?? new Map();
    byDomain.set(j.domain, m);
    m.set(j.outcome, (m.get(j.outcome) ?? 0) + 1);
  }
  const pct = (a: number, b: number) => `${((100 * a) / Math.max(1, b)).toFixed(1)}%`;
  console.log(`domain                  n  ${outcomes.map((o) => o.slice(0, 8).padStart(9)).join("")}`);
  for (const [d, m] of [...byDomain].sort()) {
    const n = [...m.values()].reduce((s, x) => s + x, 0);
    console.log(
      `${d.padEnd(22)} ${String(n).padStart(3)}  ${outcomes.map((o) => String(m.get(o) ?? 0).padStart(9)).join("")}`,
    );
  }
  const count = (o: Outcome) => judged.filter((j) => j.outcome === o).length;
  const total = judged.length;
  const helped = count("answered") + count("referred") + count("honest");
  console.log(
    `\n${total} questions: answered in domain ${pct(count("answered"), total)}, referred ${pct(count("referred"), total)}, honest (non-legal) ${pct(count("honest"), total)}` +
      `\nanswered or correctly referred: ${pct(helped, total)} (target ≥ 95%)` +
      `\nconfident wrong answers: ${pct(count("wrong_answer"), total)} (target ≤ 2%); wrong referrals ${pct(count("wrong_referral"), total)}` +
      `\nnot sure in a known domain ${pct(count("unsure"), total)}; offered as 诉求 ${pct(count("registration"), total)}; crisis/distress path ${pct(count("support"), total)}` +
      `\nirrelevant suggestions: ${judged.filter((j) => j.irrelevantSuggestion).length}`,
  );
  if (process.argv.includes("--misses"))
    for (const j of judged)
      if (!["answered", "referred", "honest"].includes(j.outcome))
        console.log(`${j.outcome.padEnd(14)} ${j.domain.padEnd(20)} ${j.got ?? ""}\t${j.q}`);
} finally {
  await assistant.close();
  rmSync(tmp, { recursive: true, force: true });
}
