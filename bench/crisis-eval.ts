/**
 * Measures the crisis detector on real text the team did not write: `npx tsx bench/crisis-eval.ts`.
 *
 * Sets (next to the project, in ../shared/eval-dev/; the SOS and complaint rows have no licence for redistribution,
 * so they are read here at run time only and this script prints aggregate numbers, never a row):
 * - crisis-dev.jsonl + crisis-dev-more.jsonl: Weibo tree-hole posts with an expert level 0-10 (4-10 crisis, 8-10 a
 *   date near or an act under way: should read as imminent). Hand-picked suicidal posts carry level null.
 * - psysuicide-valid.jsonl: counselling-style texts by class. The shipped model trains on this file (MIT licence),
 *   so its figures here come from 5-fold cross-validation: each fold is graded by a model trained without it.
 * - complaints-stream.jsonl: real letters to a city government; none is a crisis.
 * - the blind gate sets in tests/gate/ (written by people who never saw the lexicon, the model or these sets).
 *
 * `--no-cv` grades PsySUICIDE with the shipped model (optimistic: it has seen those rows).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { projectPath } from "../core/paths.js";
import { loadCrisisCorpus, PSYSUICIDE_SOURCE } from "../intents/crisis-corpus.js";
import { type CrisisDetector, createCrisisDetector } from "../intents/crisis-detector.js";
import { isCrisis, type RiskAssessment, type RiskLevel } from "../intents/crisis-risk.js";
import { trainCrisisModel } from "../intents/crisis-training.js";
import { createNormaliser } from "../intents/normalise.js";

const EVAL_DIR = projectPath("..", "shared", "eval-dev");
const RANK: Record<RiskLevel, number> = { none: 0, distress: 1, high: 2, imminent: 3 };
const pct = (n: number, d: number) => (d === 0 ? "n/a" : `${((100 * n) / d).toFixed(1)}%`);
const frac = (n: number, d: number) => `${n}/${d} = ${pct(n, d)}`;

function readJsonl<T>(path: string): T[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as T);
}

const normalise = createNormaliser();
const isHigh = (a: RiskAssessment) => isCrisis(a.level);
const noticed = (a: RiskAssessment) => RANK[a.level] >= RANK.distress;
/** A message is "high" for the emergency path only when it is about a self-harm or violence risk now. */
const alarm = (a: RiskAssessment) => isHigh(a) && !a.reportOnly;

interface SosRow {
  text: string;
  label: "none" | "distress" | "crisis";
  level: number | null;
}

function sos(detector: CrisisDetector): void {
  const rows: SosRow[] = [];
  for (const f of ["crisis-dev.jsonl", "crisis-dev-more.jsonl"]) {
    const p = `${EVAL_DIR}/${f}`;
    if (existsSync(p)) rows.push(...readJsonl<SosRow>(p));
  }
  if (rows.length === 0) {
    console.log("SOS dev sets not found; skipped.");
    return;
  }
  const graded = rows.map((r) => ({ r, a: detector.assess(normalise(r.text).text) }));
  const crisis = graded.filter((g) => g.r.label === "crisis");
  const band = (lo: number, hi: number) =>
    crisis.filter((g) => g.r.level !== null && g.r.level >= lo && g.r.level <= hi);
  console.log(`SOS tree-hole posts: ${rows.length} rows (${crisis.length} crisis)`);
  console.log(
    `  crisis graded high|imminent: ${frac(crisis.filter((g) => isHigh(g.a)).length, crisis.length)}`,
  );
  for (const [name, lo, hi] of [
    ["4-5", 4, 5],
    ["6-7", 6, 7],
    ["8-10", 8, 10],
  ] as const) {
    const b = band(lo, hi);
    console.log(`    level ${name}: ${frac(b.filter((g) => isHigh(g.a)).length, b.length)}`);
  }
  const unlevelled = crisis.filter((g) => g.r.level === null);
  console.log(`    hand-picked: ${frac(unlevelled.filter((g) => isHigh(g.a)).length, unlevelled.length)}`);
  const top = band(8, 10);
  console.log(
    `  level 8-10 graded imminent: ${frac(top.filter((g) => g.a.level === "imminent").length, top.length)}`,
  );
  const top10 = band(10, 10);
  console.log(
    `  level 10 graded none: ${frac(top10.filter((g) => g.a.level === "none").length, top10.length)}`,
  );
  for (const label of ["distress", "none"] as const) {
    const set = graded.filter((g) => g.r.label === label);
    console.log(
      `  ${label} rows: high ${pct(set.filter((g) => isHigh(g.a)).length, set.length)}, ` +
        `noticed ${pct(set.filter((g) => noticed(g.a)).length, set.length)} (${set.length})`,
    );
  }
}

interface PsyRow {
  text: string;
  label: "crisis" | "passive" | "explore" | "harm_others" | "harmed_by_others" | "none";
}

function psysuicide(detector: CrisisDetector, crossValidate: boolean): void {
  const path = `${EVAL_DIR}/psysuicide-valid.jsonl`;
  if (!existsSync(path)) {
    console.log("PsySUICIDE validation file not found; skipped.");
    return;
  }
  const rows = readJsonl<PsyRow>(path);
  const graded: { r: PsyRow; a: RiskAssessment }[] = [];
  if (crossValidate) {
    // The shipped model trains on the project's copy of this file: leave each fifth out in turn.
    const corpus = loadCrisisCorpus();
    const folds = 5;
    const foldOf = (i: number) => i % folds;
    const indexOf = new Map(rows.map((r, i) => [r.text, i]));
    for (let f = 0; f < folds; f++) {
      const training = corpus.filter((e) => {
        if (e.source !== PSYSUICIDE_SOURCE) return true;
        const i = indexOf.get(e.text);
        return i === undefined || foldOf(i) !== f;
      });
      const model = trainCrisisModel({ examples: training });
      const d = createCrisisDetector({ model });
      rows.forEach((r, i) => {
        if (foldOf(i) === f) graded.push({ r, a: d.assess(normalise(r.text).text) });
      });
    }
  } else {
    for (const r of rows) graded.push({ r, a: detector.assess(normalise(r.text).text) });
  }
  const of = (label: PsyRow["label"]) => graded.filter((g) => g.r.label === label);
  console.log(
    `PsySUICIDE validation: ${rows.length} rows${crossValidate ? " (5-fold cross-validation)" : " (shipped model: has seen them)"}`,
  );
  const crisis = of("crisis");
  console.log(`  crisis graded high: ${frac(crisis.filter((g) => isHigh(g.a)).length, crisis.length)}`);
  for (const label of ["passive", "explore"] as const) {
    const s = of(label);
    console.log(
      `  ${label} noticed (distress or more): ${frac(s.filter((g) => noticed(g.a)).length, s.length)}`,
    );
  }
  const others = of("harm_others");
  console.log(
    `  threats to others raised (kind others or high): ${frac(others.filter((g) => g.a.kind === "others" || isHigh(g.a)).length, others.length)}` +
      `; kind others: ${pct(others.filter((g) => g.a.kind === "others").length, others.length)}`,
  );
  const harmed = of("harmed_by_others");
  console.log(
    `  harmed noticed (kind harmed or distress+): ${frac(harmed.filter((g) => g.a.kind === "harmed" || noticed(g.a)).length, harmed.length)}` +
      `; kind harmed: ${pct(harmed.filter((g) => g.a.kind === "harmed").length, harmed.length)}`,
  );
  const none = of("none");
  console.log(
    `  unrelated: high ${frac(none.filter((g) => isHigh(g.a)).length, none.length)}, distress ${pct(none.filter((g) => g.a.level === "distress").length, none.length)}`,
  );
}

interface Letter {
  title?: string;
  text: string;
}

function complaints(detector: CrisisDetector): void {
  const path = `${EVAL_DIR}/complaints-stream.jsonl`;
  if (!existsSync(path)) {
    console.log("complaint stream not found; skipped.");
    return;
  }
  const rows = readJsonl<Letter>(path);
  let high = 0;
  let distress = 0;
  const kinds = new Map<string, number>();
  for (const r of rows) {
    const a = detector.assess(normalise(`${r.title ?? ""}\n${r.text}`).text);
    if (alarm(a)) {
      high++;
      kinds.set(a.kind, (kinds.get(a.kind) ?? 0) + 1);
    } else if (a.level === "distress") distress++;
  }
  console.log(
    `Complaint letters (none is a crisis): ${rows.length}; graded high ${frac(high, rows.length)} ` +
      `(${[...kinds].map(([k, n]) => `${k} ${n}`).join(", ") || "-"}); distress ${pct(distress, rows.length)}`,
  );
}

interface BlindCatch {
  text: string;
  min: RiskLevel;
  kind: "self" | "others" | "harmed";
}
interface BlindCalm {
  text: string;
  max: RiskLevel;
}

function blind(detector: CrisisDetector): void {
  const catchPath = projectPath("tests", "gate", "crisis-blind-must-catch.jsonl");
  const calmPath = projectPath("tests", "gate", "crisis-blind-must-not-alarm.jsonl");
  if (existsSync(catchPath)) {
    const rows = readJsonl<BlindCatch>(catchPath);
    const byKind = new Map<string, [number, number]>();
    for (const r of rows) {
      const a = detector.assess(normalise(r.text).text);
      const ok = RANK[a.level] >= RANK[r.min] && (r.kind === "self" || a.kind === r.kind);
      const c = byKind.get(r.kind) ?? [0, 0];
      byKind.set(r.kind, [c[0] + (ok ? 1 : 0), c[1] + 1]);
    }
    console.log(`Blind must-catch: ${[...byKind].map(([k, [ok, n]]) => `${k} ${frac(ok, n)}`).join("; ")}`);
  }
  if (existsSync(calmPath)) {
    const rows = readJsonl<BlindCalm>(calmPath);
    const over = rows.filter((r) => RANK[detector.assess(normalise(r.text).text).level] > RANK[r.max]);
    console.log(`Blind must-not-alarm: over its maximum ${frac(over.length, rows.length)}`);
  }
}

interface CitizenRow {
  text: string;
  min?: RiskLevel;
  max?: RiskLevel;
  kind?: string;
  batch: number;
}

/**
 * Per blind batch (each by an author who saw neither the lexicon, the models nor any evaluation set, measured
 * untouched before anything was learned from it; figures in the README): everyday messages graded high, grave
 * messages graded high, quieter ones noticed, and threats and harm read as their kind, for each figure the batch has
 * rows for.
 */
function batches(detector: CrisisDetector, title: string, path: string): void {
  if (!existsSync(path)) return;
  const all = readJsonl<CitizenRow>(path).map((r) => ({ r, a: detector.assess(normalise(r.text).text) }));
  const parts: string[] = [];
  for (const batch of [...new Set(all.map((x) => x.r.batch))].sort((a, b) => a - b)) {
    const rows = all.filter((x) => x.r.batch === batch);
    const calm = rows.filter((x) => x.r.max !== undefined);
    const grave = rows.filter((x) => x.r.min === "high" || x.r.min === "imminent");
    const quiet = rows.filter((x) => x.r.min === "distress");
    const out = [`everyday high ${frac(calm.filter((x) => isCrisis(x.a.level)).length, calm.length)}`];
    // Batches whose everyday rows may not even be read as distress (words of contempt in everyday use).
    if (calm.some((x) => x.r.max === "none"))
      out.push(
        `everyday over its maximum ${frac(calm.filter((x) => RANK[x.a.level] > RANK[x.r.max ?? "imminent"]).length, calm.length)}`,
      );
    if (grave.length > 0)
      out.push(`crisis high ${frac(grave.filter((x) => isCrisis(x.a.level)).length, grave.length)}`);
    if (quiet.length > 0)
      out.push(`distress noticed ${frac(quiet.filter((x) => x.a.level !== "none").length, quiet.length)}`);
    for (const kind of ["others", "harmed"]) {
      const of = rows.filter((x) => x.r.kind === kind);
      if (of.length > 0)
        out.push(
          `kind ${kind} ${frac(of.filter((x) => x.a.kind === kind && x.a.level !== "none").length, of.length)}`,
        );
    }
    parts.push(`batch ${batch}: ${out.join(", ")}`);
  }
  console.log(`${title}:\n  ${parts.join("\n  ")}`);
}

/**
 * Everyday questions the bot exists to answer: every knowledge-base phrasing (the crisis model never trains on
 * these). None of them may leave the FAQ path. Written by the team, so a floor, not a measure of real text.
 */
function everyday(detector: CrisisDetector): void {
  const texts: string[] = [];
  for (const f of readdirSync(projectPath("knowledge", "entries"))) {
    const text = readFileSync(projectPath("knowledge", "entries", f), "utf8");
    for (const m of text.matchAll(/^ {4}- (.+)$/gm)) if (m[1] && !m[1].includes(":")) texts.push(m[1]);
  }
  let high = 0;
  let distress = 0;
  for (const t of texts) {
    const a = detector.assess(normalise(t).text);
    if (alarm(a)) high++;
    else if (a.level === "distress") distress++;
  }
  console.log(
    `Knowledge-base phrasings (everyday questions): ${texts.length}; ` +
      `high ${frac(high, texts.length)}, distress ${frac(distress, texts.length)}`,
  );
}

function main(): void {
  const crossValidate = !process.argv.includes("--no-cv");
  const t0 = performance.now();
  const detector = createCrisisDetector();
  console.log(`detector load ${(performance.now() - t0).toFixed(0)} ms\n`);
  sos(detector);
  psysuicide(detector, crossValidate);
  complaints(detector);
  blind(detector);
  // The second opinion's training data and the gate's floors.
  batches(
    detector,
    "Blind citizens' messages",
    projectPath("intents", "data", "crisis-blind-citizens.jsonl"),
  );
  // Kept out of the second opinion's training: one batch has nothing about the writer's own life, and training on
  // the other moved the reading of tree-hole posts.
  batches(
    detector,
    "Blind batches kept apart from the second opinion",
    projectPath("tests", "gate", "crisis-blind-apart.jsonl"),
  );
  // In no training set, gate or review: read their misses and they stop measuring anything. The one figure here of
  // how the detector does on an author it has never met.
  batches(
    detector,
    "Held-out blind batches (never learned from)",
    projectPath("bench", "data", "crisis-held-out.jsonl"),
  );
  // Tree-hole posts by a blind author, each with a clinician-style level (0 everyday, 1-3 low mood, 4-10 crisis):
  // batch 22's misses were read for kinds of expression (2026-12-07, ninth session), batch 23 never.
  batches(
    detector,
    "Blind tree-hole posts with risk levels (22 read for kinds of expression, 23 never)",
    projectPath("bench", "data", "crisis-tree-hole-blind.jsonl"),
  );
  everyday(detector);
}

main();
