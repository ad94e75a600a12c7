/** Small helpers for the bench: latency percentiles, rates and a peak-RSS sampler. */
export interface Stage {
  name: string;
  perSecond: number;
  p50us: number;
  p99us: number;
  peakRssMb: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length));
  return sorted[i] ?? 0;
}

export function rssSampler(): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const t = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  return {
    stop() {
      clearInterval(t);
      return Math.max(peak, process.memoryUsage().rss) / 1024 / 1024;
    },
  };
}

/** Runs `fn` over the inputs (repeated to at least `minOps`), timing each call. */
export async function measure<T>(
  name: string,
  inputs: readonly T[],
  fn: (x: T) => unknown,
  minOps = 5000,
): Promise<Stage> {
  for (let i = 0; i < Math.min(200, inputs.length); i++) await fn(inputs[i] as T); // warm-up
  const times: number[] = [];
  const sampler = rssSampler();
  const start = performance.now();
  let n = 0;
  while (n < minOps) {
    for (const x of inputs) {
      const t0 = performance.now();
      const r = fn(x);
      if (r instanceof Promise) await r;
      times.push((performance.now() - t0) * 1000);
      n++;
    }
  }
  const elapsed = (performance.now() - start) / 1000;
  times.sort((a, b) => a - b);
  return {
    name,
    perSecond: n / elapsed,
    p50us: percentile(times, 50),
    p99us: percentile(times, 99),
    peakRssMb: sampler.stop(),
  };
}

export function table(stages: readonly Stage[], baseline: Stage): string {
  const rows = stages.map(
    (s) =>
      `${s.name.padEnd(44)} ${s.perSecond.toFixed(0).padStart(9)}/s  p50 ${s.p50us.toFixed(1).padStart(8)} µs  p99 ${s.p99us
        .toFixed(1)
        .padStart(
          8,
        )} µs  peak ${s.peakRssMb.toFixed(0).padStart(4)} MB  cost x${(baseline.perSecond / s.perSecond).toFixed(2)}`,
  );
  return rows.join("\n");
}

/**
 * The cost of `subject` relative to `baseline` in CPU time, measured in alternating passes over the same inputs so
 * that both see the same machine: on a shared machine a burst of someone else's load during one stage would
 * otherwise skew the ratio. Returns the median of the per-pass ratios and the spread (lowest and highest pass).
 */
export function interleavedRatio<A, B>(
  baseline: { inputs: readonly A[]; fn: (x: A) => unknown },
  subject: { inputs: readonly B[]; fn: (x: B) => unknown },
  passes = 15,
): { median: number; low: number; high: number } {
  // CPU time, not wall time: a pass during which the scheduler lends our core to another tenant would otherwise
  // count that tenant's work as ours.
  const pass = <T>(inputs: readonly T[], fn: (x: T) => unknown) => {
    const t0 = process.cpuUsage();
    for (const x of inputs) fn(x);
    const used = process.cpuUsage(t0);
    return (used.user + used.system) / inputs.length;
  };
  pass(baseline.inputs, baseline.fn);
  pass(subject.inputs, subject.fn);
  const ratios: number[] = [];
  for (let i = 0; i < passes; i++) {
    // Alternate which goes first, so neither always runs on a warmer cache.
    if (i % 2 === 0) {
      const b = pass(baseline.inputs, baseline.fn);
      ratios.push(pass(subject.inputs, subject.fn) / b);
    } else {
      const s = pass(subject.inputs, subject.fn);
      ratios.push(s / pass(baseline.inputs, baseline.fn));
    }
  }
  ratios.sort((a, b) => a - b);
  return { median: percentile(ratios, 50), low: ratios[0] ?? 0, high: ratios[ratios.length - 1] ?? 0 };
}
