import { addDays, cellOf, type RunningCounts, weekday } from "./running-counts.js";

/**
 * Spikes (突增): a day on which one 旗县区 × category received significantly more complaints (live and imported
 * together) than its baseline, or on which crisis cases region-wide did.
 *
 * Baseline, weekday-aware Poisson: a cell's expected count on day D is its mean daily count over the
 * `baselineDays` days before D (at least `floorPerDay`, so that a cell silent for weeks can still rise), times
 * the weekday factor of D: how much busier D's weekday was than the average day over the same window, for all
 * complaints together (a cell alone has too few to tell its weekdays apart). The rise is significant when the
 * Poisson probability of seeing at least the observed count, given the expected one, is below `alpha` (1e-4,
 * strict because about three thousand cells are tested each day), the count is at least `minCount` and at least
 * `minRatio` times the expected count (real counts vary more than Poisson's: a busy cell 20% up is not an alarm).
 * Nothing is called a spike before the stream has `minHistoryDays` days behind D.
 *
 * Crisis cases are tested as one region-wide daily count with `minCount` at least 5: a count under 5 is never
 * shown, and no case behind it ever is.
 */
export interface SpikeOptions {
  baselineDays: number;
  alpha: number;
  minCount: number;
  minRatio: number;
  floorPerDay: number;
  minHistoryDays: number;
}

export const DEFAULT_SPIKE_OPTIONS: SpikeOptions = {
  baselineDays: 56,
  alpha: 1e-4,
  minCount: 3,
  minRatio: 1.5,
  floorPerDay: 0.05,
  minHistoryDays: 28,
};

/** Crisis counts under this are suppressed wherever they appear. */
export const CRISIS_MIN_CELL = 5;

export interface Spike {
  /** day|kind|cell: one spike per cell and day, whatever hour it is first seen. */
  id: string;
  kind: "complaints" | "crisis";
  day: string;
  league: string | null;
  county: string | null;
  category: string | null;
  observed: number;
  expected: number;
  pValue: number;
}

/** P(X ≥ k) for X ~ Poisson(λ), summed in log space so that large counts neither overflow nor underflow. */
export function poissonTail(k: number, lambda: number): number {
  if (k <= 0) return 1;
  if (lambda <= 0) return 0;
  // 1 − P(X ≤ k − 1); for k far above λ the tail itself is summed, which keeps its precision.
  const logP = (i: number) => -lambda + i * Math.log(lambda) - logFactorial(i);
  if (k > lambda) {
    let sum = 0;
    for (let i = k; i < k + 1000; i++) {
      const term = Math.exp(logP(i));
      sum += term;
      if (term < sum * 1e-12) break;
    }
    return Math.min(1, sum);
  }
  let below = 0;
  for (let i = 0; i < k; i++) below += Math.exp(logP(i));
  return Math.max(0, 1 - below);
}

const logFactorials: number[] = [0];
function logFactorial(n: number): number {
  for (let i = logFactorials.length; i <= n; i++)
    logFactorials[i] = (logFactorials[i - 1] ?? 0) + Math.log(i);
  return logFactorials[n] ?? 0;
}

/** How much busier each weekday (0 = Sunday) was than the window's average day; 1 where the window is empty. */
export function weekdayFactors(daily: readonly { day: string; count: number }[], from: string, days: number) {
  const sums = new Array<number>(7).fill(0);
  const seen = new Array<number>(7).fill(0);
  for (let k = 0; k < days; k++) {
    const w = weekday(addDays(from, k));
    seen[w] = (seen[w] ?? 0) + 1;
  }
  let total = 0;
  for (const d of daily) {
    const w = weekday(d.day);
    sums[w] = (sums[w] ?? 0) + d.count;
    total += d.count;
  }
  const mean = total / days;
  return sums.map((s, w) => {
    const n = seen[w] ?? 0;
    if (mean <= 0 || n === 0) return 1;
    // Clamped: a window with a holiday week must not make a weekday look five times quieter.
    return Math.min(3, Math.max(0.3, s / n / mean));
  });
}

/** Whether a count is a significant rise over its expected value, and its p-value. */
export function judge(
  observed: number,
  expected: number,
  o: Pick<SpikeOptions, "alpha" | "minCount" | "minRatio">,
): { significant: boolean; pValue: number } {
  const pValue = poissonTail(observed, expected);
  return {
    significant: observed >= o.minCount && observed >= o.minRatio * expected && pValue < o.alpha,
    pValue,
  };
}

/** The spikes of one China day, from the pre-aggregated counts. */
export async function detectSpikes(
  counts: RunningCounts,
  day: string,
  options: Partial<SpikeOptions> = {},
): Promise<Spike[]> {
  const o = { ...DEFAULT_SPIKE_OPTIONS, ...options };
  const baseFrom = addDays(day, -o.baselineDays);
  const baseTo = addDays(day, -1);
  const span = await counts.span("total");
  if (!span || span.first > addDays(day, -o.minHistoryDays)) return [];

  const totals = await counts.days("total", baseFrom, baseTo);
  const factor =
    weekdayFactors(
      totals.map((t) => ({ day: t.day, count: t.m[0] + t.m[1] })),
      baseFrom,
      o.baselineDays,
    )[weekday(day)] ?? 1;

  const spikes: Spike[] = [];
  const baseline = new Map(
    (await counts.range("cell", baseFrom, baseTo)).map((r) => [r.key, r.m[0] + r.m[1]]),
  );
  for (const cell of await counts.days("cell", day, day)) {
    const observed = cell.m[0] + cell.m[1];
    if (observed < o.minCount) continue;
    const expected = Math.max(o.floorPerDay, (baseline.get(cell.key) ?? 0) / o.baselineDays) * factor;
    const { significant, pValue } = judge(observed, expected, o);
    if (!significant) continue;
    spikes.push({
      id: `${day}|complaints|${cell.key}`,
      kind: "complaints",
      day,
      ...cellOf(cell.key),
      observed,
      expected,
      pValue,
    });
  }

  // Crisis cases: one region-wide count, judged against its own weekday-free baseline.
  const crisisToday = (await counts.days("crisis", day, day)).reduce((s, r) => s + r.m[0], 0);
  if (crisisToday >= Math.max(CRISIS_MIN_CELL, o.minCount)) {
    const base = (await counts.range("crisis", baseFrom, baseTo)).reduce((s, r) => s + r.m[0], 0);
    const expected = Math.max(o.floorPerDay, base / o.baselineDays);
    const { significant, pValue } = judge(crisisToday, expected, o);
    if (significant)
      spikes.push({
        id: `${day}|crisis|`,
        kind: "crisis",
        day,
        league: null,
        county: null,
        category: null,
        observed: crisisToday,
        expected,
        pValue,
      });
  }
  return spikes.sort((a, b) => a.pValue - b.pValue);
}
