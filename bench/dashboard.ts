/**
 * How the supervisors' dashboard scales: `npx tsx bench/dashboard.ts [sizes…]` (default 10000 1000000), and part
 * of `npm run bench`.
 *
 * Invented complaints (no text), written straight into the complaints table so that the triggers keep the
 * pre-aggregated counts as they do in service: a year up to the bench's "now", over the real 103 旗县区 and 28
 * categories with a skew (a few places and categories get most), a department per 旗县区 and kind of category,
 * accepted within a day or two, closed before their deadline, half rated. The backlog is recent, as in a working
 * centre: 1% of the last 5 days' cases still await 受理 and 2% of the last 60 days' are still open (overdue once
 * past 15 days); the overdue list and the unanswered count read that backlog through their indexes. The dashboard is read
 * for the last 30 days and for the whole year; the figure is the median of several reads after the first (which
 * settles the running totals of a freshly loaded database, reported apart). Goal: 1,000,000 complaints cost at
 * most 3× what 10,000 do. Not a test: the machine is shared.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLiveHub } from "../core/live-hub.js";
import { loadComplaintCategories } from "../handoff/complaint-categories.js";
import { createDashboard } from "../handoff/dashboard.js";
import { createHotIssueSnapshots } from "../handoff/hot-issue-snapshots.js";
import { createSpikeWatch } from "../handoff/spike-watch.js";
import { loadPlaces } from "../intents/places.js";
import { openDatabase } from "../store/db.js";

const NOW = new Date("2026-06-30T04:00:00Z");
const CHUNK = 50_000;

/**
 * A hash of the row number in [0, 1), one per field, so every run writes the same rows: a quadratic step after the
 * linear one, or two fields of consecutive rows would fall on a line (and a few cells get everything).
 */
const u = (field: number) =>
  `((((((i + 1) * ${2654435761 + field * 40503} + ${field * 7919}) % 1000003) * (((i + 1) * ${2654435761 + field * 40503} + ${field * 7919}) % 1000003) + ${field * 104729}) % 1000003) / 1000003.0)`;

export async function load(path: string, size: number) {
  const db = await openDatabase(path);
  const places = loadPlaces().data.leagues.flatMap((l) =>
    l.counties.map((c) => ({ league: l.name, county: c.name })),
  );
  const categories = loadComplaintCategories().categories.map((c) => c.id);
  await db.exec(`
    CREATE TEMP TABLE p (k INTEGER PRIMARY KEY, league TEXT, county TEXT);
    CREATE TEMP TABLE c (k INTEGER PRIMARY KEY, id TEXT);
    INSERT INTO conversations (id, channel, created_at, updated_at) VALUES ('bench', 'web', '2025-01-01', '2025-01-01');`);
  for (const [k, p] of places.entries())
    await db.run("INSERT INTO p VALUES (?, ?, ?)", [k, p.league, p.county]);
  for (const [k, id] of categories.entries()) await db.run("INSERT INTO c VALUES (?, ?)", [k, id]);
  const year = 365 * 86_400;
  const now = NOW.getTime() / 1000;
  for (let start = 0; start < size; start += CHUNK) {
    const n = Math.min(CHUNK, size - start);
    // opened: uniform over the year; place and category skewed (square and power 1.5 of a uniform draw).
    await db.exec(`
      BEGIN;
      WITH RECURSIVE s(i) AS (SELECT ${start} UNION ALL SELECT i + 1 FROM s WHERE i < ${start + n - 1}),
      r AS (SELECT i, ${now} - ${u(1)} * ${year} AS t,
                   CAST(${u(2)} * ${u(2)} * ${places.length} AS INTEGER) AS pk,
                   CAST(pow(${u(3)}, 1.5) * ${categories.length} AS INTEGER) AS ck,
                   ${u(4)} AS late, ${u(5)} AS fate, ${u(6)} AS rating FROM s),
      x AS (SELECT r.*, p.league, p.county, c.id AS category,
                   datetime(t, 'unixepoch') AS opened, datetime(t + 86400 * (1 + late), 'unixepoch') AS accepted,
                   datetime(t + 3 * 86400, 'unixepoch') AS accept_by, datetime(t + 15 * 86400, 'unixepoch') AS handle_by,
                   (t + 15 * 86400 < ${now} AND NOT (fate >= 0.98 AND t > ${now} - 60 * 86400)) AS done,
                   (fate > 0.99 AND t > ${now} - 5 * 86400) AS waiting
            FROM r JOIN p ON p.k = r.pk JOIN c ON c.k = r.ck)
      INSERT INTO complaints (id, conversation_id, channel, citizen, category, league, county, what, ask, contact,
        department_id, department_name, dispatch_rule, state, signature, opened_at, accept_by, handle_by, accepted_at,
        closed_at, resolved, rating, updated_at)
      SELECT printf('SW-2026-%07d', i), 'bench', 'web', 'c' || i, category, league, county, '', '', 'chat',
        county || '/' || (ck % 12), county || ' 部门 ' || (ck % 12), 'bench',
        CASE WHEN done THEN 'closed' WHEN waiting THEN 'dispatched' ELSE 'accepted' END, '',
        strftime('%Y-%m-%dT%H:%M:%fZ', opened), strftime('%Y-%m-%dT%H:%M:%fZ', accept_by),
        strftime('%Y-%m-%dT%H:%M:%fZ', handle_by),
        CASE WHEN waiting AND NOT done THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%fZ', accepted) END,
        CASE WHEN done THEN strftime('%Y-%m-%dT%H:%M:%fZ', datetime(t + 10 * 86400, 'unixepoch')) END,
        CASE WHEN done AND rating < 0.6 THEN (rating < 0.5) END,
        CASE WHEN done AND rating < 0.5 THEN 1 + CAST(rating * 10 AS INTEGER) END,
        strftime('%Y-%m-%dT%H:%M:%fZ', opened)
      FROM x;
      COMMIT;`);
  }
  return db;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

export async function benchDashboard(
  tmp: string,
  line: (s: string) => void,
  sizes: readonly number[] = [10_000, 1_000_000],
) {
  const results: { size: number; loadS: number; firstMs: number; monthMs: number; yearMs: number }[] = [];
  for (const size of sizes) {
    const t0 = performance.now();
    const db = await load(join(tmp, `dashboard-${size}.db`), size);
    const loadS = (performance.now() - t0) / 1000;
    const now = () => NOW;
    const spikes = createSpikeWatch({ db, live: createLiveHub(), now });
    const hotIssues = createHotIssueSnapshots({
      db,
      now,
      reader: () => ({ normalise: (s) => s, tag: () => [] }),
    });
    const dashboard = createDashboard({ db, spikes, hotIssues, departmentName: () => undefined, now });
    const t1 = performance.now();
    const first = await dashboard.overview("2026-06-01", "2026-06-30");
    const firstMs = performance.now() - t1;
    // Warm both ranges (the first read's writes are checkpointed, pages cached), then alternate them, so that a
    // noisy neighbour on the shared machine weighs on both alike.
    const month = () => dashboard.overview("2026-06-01", "2026-06-30");
    const year = () => dashboard.overview("2025-07-01", "2026-06-30");
    await month();
    await year();
    const monthRuns: number[] = [];
    const yearRuns: number[] = [];
    for (let k = 0; k < 9; k++) {
      let t = performance.now();
      await month();
      monthRuns.push(performance.now() - t);
      t = performance.now();
      await year();
      yearRuns.push(performance.now() - t);
    }
    const monthMs = median(monthRuns);
    const yearMs = median(yearRuns);
    results.push({ size, loadS, firstMs, monthMs, yearMs });
    line(
      `${size.toLocaleString("en-US").padStart(9)} complaints (loaded in ${loadS.toFixed(1)} s; ${first.cells.length} cells, ${first.rates.departments.length} departments, ${first.overdue.total} overdue in the last 30 days' view): first read ${firstMs.toFixed(0)} ms (settles the running totals), then last 30 days ${monthMs.toFixed(1)} ms, whole year ${yearMs.toFixed(1)} ms`,
    );
    await db.close();
  }
  const small = results[0];
  const large = results.at(-1);
  if (small && large && small !== large)
    line(
      `dashboard over ${large.size.toLocaleString("en-US")} complaints costs ${(large.monthMs / small.monthMs).toFixed(2)}x (last 30 days) and ${(large.yearMs / small.yearMs).toFixed(2)}x (whole year) the cost over ${small.size.toLocaleString("en-US")} (goal: at most 3x)`,
    );
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ""))) {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  const tmp = mkdtempSync(join(tmpdir(), "shouwang-dashboard-"));
  try {
    await benchDashboard(tmp, (s) => console.log(s), sizes.length ? sizes : undefined);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
