/**
 * Measures the crisis detector on the team's dev set of real messages: `npx tsx bench/crisis-eval.ts`.
 *
 * The dev set (../shared/eval-dev/crisis-dev.jsonl, next to the project) has no licence for redistribution: it is
 * read here at run time only, and this script prints aggregate numbers, never a row. Rows carry `label`
 * (none | distress | crisis) and an expert `level` 0-10 (4-10 = crisis; 8-10 = date near or act under way, which
 * should read as imminent). A separate real test set is checked without us: tune general patterns, not rows.
 */
import { existsSync, readFileSync } from "node:fs";
import { projectPath } from "../bot/paths.js";
import { createCrisisDetector, type RiskLevel } from "../intents/crisis-detector.js";
import { createNormaliser } from "../intents/normalise.js";

const DEV_PATH = process.argv[2] ?? projectPath("..", "shared", "eval-dev", "crisis-dev.jsonl");

interface DevRow {
  text: string;
  label: "none" | "distress" | "crisis";
  level: number;
}

const LEVELS: readonly RiskLevel[] = ["none", "distress", "high", "imminent"];
const pct = (n: number, d: number) => (d === 0 ? "  n/a" : `${((100 * n) / d).toFixed(1).padStart(5)}%`);

function main(): void {
  if (!existsSync(DEV_PATH)) {
    console.log(`crisis dev set not found at ${DEV_PATH}; nothing to measure.`);
    return;
  }
  const rows: DevRow[] = readFileSync(DEV_PATH, "utf8")
    .split("\n")
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l) as DevRow);

  const t0 = performance.now();
  const detector = createCrisisDetector();
  const loadMs = performance.now() - t0;
  const normalise = createNormaliser();
  const texts = rows.map((r) => normalise(r.text).text);

  // Rows of the confusion table: the dev label, crisis split by the expert level bands.
  const band = (r: DevRow): string =>
    r.label !== "crisis"
      ? r.label
      : r.level >= 8
        ? "crisis 8-10"
        : r.level >= 6
          ? "crisis 6-7"
          : "crisis 4-5";
  const bands = ["none", "distress", "crisis 4-5", "crisis 6-7", "crisis 8-10"];
  const table = new Map(bands.map((b) => [b, new Map(LEVELS.map((l) => [l, 0]))]));
  const levels: RiskLevel[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const text = texts[i];
    if (!row || text === undefined) continue;
    const a = detector.assess(text);
    levels.push(a.level);
    const counts = table.get(band(row));
    counts?.set(a.level, (counts.get(a.level) ?? 0) + 1);
  }

  // Speed: several passes over the whole set, best pass reported (the machine is shared); CPU time beside wall
  // time, because other processes on a loaded machine inflate wall time but not our CPU time.
  let bestWall = Number.POSITIVE_INFINITY;
  let bestCpu = Number.POSITIVE_INFINITY;
  for (let pass = 0; pass < 5; pass++) {
    const cpu = process.cpuUsage();
    const s = performance.now();
    for (const t of texts) detector.assess(t);
    const used = process.cpuUsage(cpu);
    bestWall = Math.min(bestWall, ((performance.now() - s) * 1000) / texts.length);
    bestCpu = Math.min(bestCpu, (used.user + used.system) / texts.length);
  }
  const meanLength = texts.reduce((n, t) => n + t.length, 0) / Math.max(1, texts.length);

  const count = (pred: (r: DevRow, l: RiskLevel) => boolean) =>
    rows.reduce((n, r, i) => n + (pred(r, levels[i] ?? "none") ? 1 : 0), 0);
  const crisis = count((r) => r.label === "crisis");
  const caught = count((r, l) => r.label === "crisis" && (l === "high" || l === "imminent"));
  const top = count((r) => r.label === "crisis" && r.level >= 8);
  const topImminent = count((r, l) => r.label === "crisis" && r.level >= 8 && l === "imminent");
  const distressRows = count((r) => r.label === "distress");
  const noneRows = count((r) => r.label === "none");

  console.log(
    `crisis dev set: ${rows.length} rows (${crisis} crisis, ${distressRows} distress, ${noneRows} none)`,
  );
  console.log(
    `detector load ${loadMs.toFixed(0)} ms; per message (mean ${meanLength.toFixed(0)} characters, best of 5 passes): ` +
      `${bestCpu.toFixed(1)} µs CPU, ${bestWall.toFixed(1)} µs wall\n`,
  );
  console.log(`recall high|imminent on crisis rows: ${caught}/${crisis} = ${pct(caught, crisis).trim()}`);
  for (const [name, lo, hi] of [
    ["4-5", 4, 5],
    ["6-7", 6, 7],
    ["8-10", 8, 10],
  ] as const) {
    const n = count((r) => r.label === "crisis" && r.level >= lo && r.level <= hi);
    const k = count(
      (r, l) => r.label === "crisis" && r.level >= lo && r.level <= hi && (l === "high" || l === "imminent"),
    );
    console.log(`  level ${name.padEnd(4)}: ${k}/${n} = ${pct(k, n).trim()}`);
  }
  console.log(`crisis 8-10 graded imminent: ${topImminent}/${top} = ${pct(topImminent, top).trim()}`);
  const paged = (label: string) => count((r, l) => r.label === label && (l === "high" || l === "imminent"));
  console.log(
    `distress rows graded high|imminent: ${paged("distress")}/${distressRows} = ${pct(paged("distress"), distressRows).trim()}`,
  );
  console.log(
    `none rows graded high|imminent: ${paged("none")}/${noneRows} = ${pct(paged("none"), noneRows).trim()}\n`,
  );

  console.log(`confusion (rows: dev label; columns: detector level; share of the row)`);
  console.log(`${"".padEnd(12)}${LEVELS.map((l) => l.padStart(10)).join("")}${"rows".padStart(8)}`);
  for (const b of bands) {
    const counts = table.get(b);
    if (!counts) continue;
    const total = [...counts.values()].reduce((x, y) => x + y, 0);
    console.log(
      `${b.padEnd(12)}${LEVELS.map((l) => pct(counts.get(l) ?? 0, total).padStart(10)).join("")}${String(total).padStart(8)}`,
    );
  }
}

main();
