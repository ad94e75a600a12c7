/**
 * The complaint category model on real letters: `npx tsx bench/complaint-family-eval.ts`.
 *
 * Hand labels (the 12345 first-level family, and a second plausible one where a dispatcher could hesitate) for
 * letters of ../shared/eval-dev/complaints-stream.jsonl, by line number only: the letters themselves may not be
 * redistributed and are read here at run time. Two labellers, neither of whom saw the model's output:
 * bench/data/complaint-families-dev.jsonl (every 13th letter from line 0, 214) and -dev-2.jsonl (every 13th from
 * line 6, 214, labelled later by another hand, who gave a second family far more often). Prints top-1 and top-3
 * family accuracy for each and for both, strict (the first label) and lenient (either).
 */
import { existsSync, readFileSync } from "node:fs";
import { buildNlu } from "../bot/assistant.js";
import { projectPath } from "../core/paths.js";
import { loadComplaintCategories } from "../handoff/complaint-categories.js";

const STREAM = projectPath("..", "shared", "eval-dev", "complaints-stream.jsonl");
const LABEL_SETS = [
  ["first labeller", projectPath("bench", "data", "complaint-families-dev.jsonl")],
  ["second labeller", projectPath("bench", "data", "complaint-families-dev-2.jsonl")],
] as const;

if (!existsSync(STREAM)) {
  console.log("complaint stream not found; nothing to measure.");
  process.exit(0);
}
const letters = readFileSync(STREAM, "utf8")
  .split("\n")
  .filter((l) => l.trim());
const catalogue = loadComplaintCategories();
// The production bundle: the same segmenter, normaliser and cached category model the bot uses.
const bundle = buildNlu();
const { nlu, normalise } = bundle;
const classifier = bundle.complaintClassifier(catalogue);

interface Label {
  line: number;
  family: string;
  also?: string;
}

/** A letter's families as the model ranks them, and the keywords' first: read once, reported per set and for both. */
const byLine = new Map<number, { families: string[]; keyword: string | undefined }>();
function inferred(line: number): { families: string[]; keyword: string | undefined } {
  const known = byLine.get(line);
  if (known) return known;
  const row = JSON.parse(letters[line] as string) as { text: string; title?: string };
  const text = normalise(`${row.title ? `${row.title}\n` : ""}${row.text}`).text;
  const u = nlu.understand(text);
  const intent = u.intent.uncertain ? undefined : u.intent.intent;
  const families: string[] = [];
  for (const x of classifier.infer(text, intent))
    if (!families.includes(x.category.family)) families.push(x.category.family);
  const out = { families, keyword: catalogue.infer(text, intent)[0]?.category.family };
  byLine.set(line, out);
  return out;
}

function measure(name: string, labels: readonly Label[]): void {
  let top1 = 0;
  let top3 = 0;
  let lenient1 = 0;
  let lenient3 = 0;
  let keywordTop1 = 0;
  const confusion = new Map<string, number>();
  for (const { line, family, also } of labels) {
    const { families, keyword } = inferred(line);
    const ok = (f: string | undefined) => f === family || (also !== undefined && f === also);
    if (families[0] === family) top1++;
    if (families.slice(0, 3).includes(family)) top3++;
    if (ok(families[0])) lenient1++;
    if (families.slice(0, 3).some(ok)) lenient3++;
    if (keyword === family) keywordTop1++;
    if (families[0] !== family) {
      const key = `${family} → ${families[0]}`;
      confusion.set(key, (confusion.get(key) ?? 0) + 1);
    }
  }
  const n = labels.length;
  const pct = (x: number) => `${((100 * x) / n).toFixed(1)}%`;
  console.log(
    `${name}: ${n} hand-labelled real letters: family top-1 ${pct(top1)}, top-3 ${pct(top3)} (targets 85% / 95%)`,
  );
  console.log(`  counting the labeller's second choice too: top-1 ${pct(lenient1)}, top-3 ${pct(lenient3)}`);
  console.log(`  keywords alone (before the model): top-1 ${pct(keywordTop1)}`);
  console.log("  most frequent confusions (gold → predicted):");
  for (const [k, v] of [...confusion].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`    ${v}  ${k}`);
}

const read = (path: string): Label[] =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Label);
const sets = LABEL_SETS.map(([name, path]) => [name, read(path)] as const);
for (const [name, labels] of sets) measure(name, labels);
measure(
  "both",
  sets.flatMap(([, labels]) => labels),
);
