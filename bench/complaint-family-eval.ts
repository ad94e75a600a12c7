/**
 * The complaint category model on real letters: `npx tsx bench/complaint-family-eval.ts`.
 *
 * bench/data/complaint-families-dev.jsonl holds our own hand labels (the 12345 first-level family, and a second
 * plausible one where a dispatcher could hesitate) for 214 letters of ../shared/eval-dev/complaints-stream.jsonl,
 * by line number only: the letters themselves may not be redistributed and are read here at run time. The labeller
 * never saw the model's output. Prints top-1 and top-3 family accuracy, strict (the first label) and lenient (either).
 */
import { existsSync, readFileSync } from "node:fs";
import { buildNlu } from "../bot/assistant.js";
import { projectPath } from "../core/paths.js";
import { loadComplaintCategories } from "../handoff/complaint-categories.js";

const STREAM = projectPath("..", "shared", "eval-dev", "complaints-stream.jsonl");
const LABELS = projectPath("bench", "data", "complaint-families-dev.jsonl");

if (!existsSync(STREAM)) {
  console.log("complaint stream not found; nothing to measure.");
  process.exit(0);
}
const letters = readFileSync(STREAM, "utf8")
  .split("\n")
  .filter((l) => l.trim());
const labels = readFileSync(LABELS, "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as { line: number; family: string; also?: string });
const catalogue = loadComplaintCategories();
// The production bundle: the same segmenter, normaliser and cached category model the bot uses.
const bundle = buildNlu();
const { nlu, normalise } = bundle;
const classifier = bundle.complaintClassifier(catalogue);
let top1 = 0;
let top3 = 0;
let lenient1 = 0;
let lenient3 = 0;
let keywordTop1 = 0;
const confusion = new Map<string, number>();
for (const { line, family, also } of labels) {
  const row = JSON.parse(letters[line] as string) as { text: string; title?: string };
  const text = normalise(`${row.title ? `${row.title}\n` : ""}${row.text}`).text;
  const u = nlu.understand(text);
  const intent = u.intent.uncertain ? undefined : u.intent.intent;
  const families: string[] = [];
  for (const x of classifier.infer(text, intent))
    if (!families.includes(x.category.family)) families.push(x.category.family);
  const ok = (f: string | undefined) => f === family || (also !== undefined && f === also);
  if (families[0] === family) top1++;
  if (families.slice(0, 3).includes(family)) top3++;
  if (ok(families[0])) lenient1++;
  if (families.slice(0, 3).some(ok)) lenient3++;
  if (catalogue.infer(text, intent)[0]?.category.family === family) keywordTop1++;
  if (families[0] !== family) {
    const key = `${family} → ${families[0]}`;
    confusion.set(key, (confusion.get(key) ?? 0) + 1);
  }
}
const n = labels.length;
const pct = (x: number) => `${((100 * x) / n).toFixed(1)}%`;
console.log(
  `${n} hand-labelled real letters: family top-1 ${pct(top1)}, top-3 ${pct(top3)} (targets 85% / 95%)`,
);
console.log(`counting the labeller's second choice too: top-1 ${pct(lenient1)}, top-3 ${pct(lenient3)}`);
console.log(`keywords alone (before the model): top-1 ${pct(keywordTop1)}`);
console.log("most frequent confusions (gold → predicted):");
for (const [k, v] of [...confusion].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${v}  ${k}`);
