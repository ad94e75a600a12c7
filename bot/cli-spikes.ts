import { isAppError } from "../core/app-error.js";
import { loadComplaintCategories } from "../handoff/complaint-categories.js";
import { addDays, checkDay, checkRange, chinaDay } from "../handoff/running-counts.js";
import type { Spike } from "../handoff/spikes.js";
import { parseArgs, UsageError } from "./cli-complaints.js";
import type { Io } from "./cli-io.js";
import { type Config, databaseOf } from "./config.js";

/** `shouwang spikes`: the spikes the console shows, from the same detection, printed for one day or a range. */

export const SPIKES_USAGE = `  shouwang spikes [--date DATE | --from DATE --to DATE] [--json]
                           daily rises of one 旗县区 × category (and of crisis cases, as counts only) against a
                           weekday-aware Poisson baseline of the 56 days before; DATE is a China date, default today
`;

/** At most ten years of days in one run. */
const MAX_DAYS = 3660;

export async function spikesCommand(args: string[], config: Config, io: Io): Promise<number> {
  try {
    const p = parseArgs(args, ["date", "from", "to"], ["json"]);
    if (p.positional.length) throw new UsageError(`unexpected ${p.positional.join(" ")}`);
    const date = p.values.get("date");
    const from = p.values.get("from");
    const to = p.values.get("to");
    if (date && (from || to)) throw new UsageError("--date or --from/--to, not both");
    if ((from === undefined) !== (to === undefined)) throw new UsageError("--from and --to go together");
    const range = from && to ? checkRange(from, to) : undefined;
    const day = date ? checkDay(date) : chinaDay(new Date());
    const days: string[] = [];
    for (let d = range?.from ?? day; d <= (range?.to ?? day); d = addDays(d, 1)) {
      days.push(d);
      if (days.length > MAX_DAYS) throw new UsageError(`at most ${MAX_DAYS} days at a time`);
    }
    const { openDatabase } = await import("../store/db.js");
    const { createSpikeWatch } = await import("../handoff/spike-watch.js");
    const { createLiveHub } = await import("../core/live-hub.js");
    const db = await openDatabase(databaseOf(config));
    try {
      const watch = createSpikeWatch({ db, live: createLiveHub() });
      const found: (Spike & { cases: string[] })[] = [];
      for (const d of days)
        for (const s of await watch.detect(d)) found.push({ ...s, cases: await watch.casesBehind(s) });
      print(found, days, p.switches.has("json"), io);
      return 0;
    } finally {
      await db.close();
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`${e.message}\n\nusage:\n${SPIKES_USAGE}`);
      return 2;
    }
    if (isAppError(e) && e.code === "bad_input") {
      io.stderr.write(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

function print(found: (Spike & { cases: string[] })[], days: string[], json: boolean, io: Io) {
  const categories = loadComplaintCategories();
  const label = (id: string | null) => (id ? (categories.byId(id)?.label ?? id) : "未分类");
  if (json) {
    const out = found.map((s) => ({
      day: s.day,
      kind: s.kind,
      league: s.league,
      county: s.county,
      category: s.category,
      categoryLabel: s.kind === "crisis" ? null : label(s.category),
      observed: s.observed,
      expected: Number(s.expected.toFixed(3)),
      pValue: s.pValue,
      cases: s.cases,
    }));
    io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  const span = days.length === 1 ? days[0] : `${days[0]} to ${days.at(-1)}`;
  if (found.length === 0) {
    io.stdout.write(`no spikes on ${span}\n`);
    return;
  }
  const lines = [`${found.length} spike(s) on ${span}:`];
  for (const s of found) {
    const where =
      s.kind === "crisis" ? "全区 危机个案" : `${s.league ?? "—"} ${s.county ?? "—"}  ${label(s.category)}`;
    lines.push(
      `${s.day}  ${where}  ${s.observed} against ${s.expected.toFixed(2)} expected (p = ${s.pValue.toExponential(1)})`,
    );
    if (s.cases.length) lines.push(`    cases: ${s.cases.join(", ")}`);
  }
  io.stdout.write(`${lines.join("\n")}\n`);
}
