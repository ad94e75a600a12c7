import { basename } from "node:path";
import type { Writable } from "node:stream";
import { isAppError } from "../core/app-error.js";
import { DAY_MS, formatChinaTime, isBareDate, parseChinaTime, shortChinaTime } from "../core/china-time.js";
import { loadComplaintCategories } from "../handoff/complaint-categories.js";
import type { TimeRange } from "../handoff/complaint-history.js";
import { buildNlu, type NluBundle } from "./assistant.js";
import type { Io } from "./cli-io.js";
import { type Config, databaseOf } from "./config.js";

/** `shouwang complaints import|stats` and `shouwang hotspots`. */

export const COMPLAINTS_USAGE = `  shouwang complaints import FILE [--source NAME]
                           import past work orders (JSONL, CSV or .xlsx with id, text, time; optionally title,
                           place, category, likes, reply, citizen): times are China time, a row already imported
                           is skipped, a missing place or category is inferred, bad rows are reported by line
  shouwang complaints stats [--from DATE] [--to DATE] [--json]
                           imported and live complaints by family, place and month
  shouwang hotspots [--from DATE] [--to DATE] [--top N] [--window DAYS] [--json]
                           hot issues: messages about one matter grouped and ranked by heat (README, "Hot issues")
`;

export interface Parsed {
  positional: string[];
  values: Map<string, string>;
  switches: Set<string>;
}

export class UsageError extends Error {}

export function parseArgs(
  args: readonly string[],
  valued: readonly string[],
  switches: readonly string[],
): Parsed {
  const out: Parsed = { positional: [], values: new Map(), switches: new Set() };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (!a.startsWith("--")) {
      out.positional.push(a);
      continue;
    }
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (switches.includes(name)) out.switches.add(name);
    else if (valued.includes(name)) {
      const value = inline ?? args[++i];
      if (value === undefined || value === "") throw new UsageError(`--${name} needs a value`);
      out.values.set(name, value);
    } else throw new UsageError(`unknown option --${name}`);
  }
  return out;
}

/** --from and --to as China time; a bare --to date includes that whole day. */
function rangeOf(p: Parsed): TimeRange {
  const range: TimeRange = {};
  const read = (flag: "from" | "to"): number | undefined => {
    const raw = p.values.get(flag);
    if (raw === undefined) return undefined;
    const t = parseChinaTime(raw);
    if (!t.ok)
      throw new UsageError(
        `--${flag}: ${t.reason === "empty" ? "empty" : t.reason} (use 2019-07-21, 2019/7/21 or 2019-07-21 10:05)`,
      );
    if (flag === "to") return isBareDate(raw) ? t.time + DAY_MS : t.time + 1;
    return t.time;
  };
  range.from = read("from");
  range.to = read("to");
  if (range.from !== undefined && range.to !== undefined && range.from >= range.to)
    throw new UsageError(
      `empty range: --from ${p.values.get("from")} is not before --to ${p.values.get("to")}`,
    );
  return range;
}

function positiveInt(p: Parsed, flag: string, fallback: number, max: number): number {
  const raw = p.values.get(flag);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new UsageError(`--${flag} must be a whole number from 1 to ${max}, not "${raw}"`);
  return n;
}

const isTerminal = (s: Writable): boolean => (s as { isTTY?: boolean }).isTTY === true;
const thousands = (n: number): string => n.toLocaleString("en-US");

/** A progress bar on stderr, drawn only when stderr is a terminal (never into a log file or a pipe). */
function progressBar(stderr: Writable, label: string) {
  const on = isTerminal(stderr);
  let drawn = false;
  return {
    update(done: number, total: number) {
      if (!on || total === 0) return;
      const width = 30;
      const filled = Math.round((done / total) * width);
      stderr.write(
        `\r${label} [${"#".repeat(filled)}${"·".repeat(width - filled)}] ${Math.floor((done / total) * 100)}% ${thousands(done)}/${thousands(total)}`,
      );
      drawn = true;
    },
    clear() {
      if (drawn) stderr.write("\r\x1b[K");
      drawn = false;
    },
  };
}

async function guarded(io: Io, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`${e.message}\n\nusage:\n${COMPLAINTS_USAGE}`);
      return 2;
    }
    if (isAppError(e) && e.code === "bad_input") {
      io.stderr.write(`${e.message}\nnothing was imported.\n`);
      return 2;
    }
    throw e;
  }
}

export async function complaintsCommand(args: string[], config: Config, io: Io): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "import") return guarded(io, () => importCommand(rest, config, io));
  if (sub === "stats") return guarded(io, () => statsCommand(rest, config, io));
  io.stderr.write(`unknown command: complaints ${args.join(" ")}\n\nusage:\n${COMPLAINTS_USAGE}`);
  return 2;
}

const MAX_PROBLEMS_SHOWN = 200;

async function importCommand(args: string[], config: Config, io: Io): Promise<number> {
  const p = parseArgs(args, ["source"], []);
  const [file, ...extra] = p.positional;
  if (!file) throw new UsageError("complaints import needs a FILE");
  if (extra.length) throw new UsageError(`one FILE at a time (also given: ${extra.join(" ")})`);
  const { readWorkOrderFile } = await import("../handoff/work-order-files.js");
  const { importHistory, validateRows } = await import("../handoff/complaint-history.js");
  // The file is read and checked before the database is opened: a file refused whole changes nothing.
  const parsed = await readWorkOrderFile(file);
  const { rows, problems } = validateRows(parsed);
  for (const q of problems.slice(0, MAX_PROBLEMS_SHOWN))
    io.stderr.write(`${file}:${q.line}: ${q.column ? `column "${q.column}": ` : ""}${q.message}\n`);
  if (problems.length > MAX_PROBLEMS_SHOWN)
    io.stderr.write(`… and ${thousands(problems.length - MAX_PROBLEMS_SHOWN)} more rejected rows\n`);
  if (rows.length === 0) {
    io.stderr.write(`${file}: no row could be imported; nothing was imported.\n`);
    return 1;
  }
  const catalogue = loadComplaintCategories();
  const bar = progressBar(io.stderr, "importing");
  const { openDatabase } = await import("../store/db.js");
  const db = await openDatabase(databaseOf(config));
  try {
    const report = await importHistory(
      db,
      rows,
      catalogue,
      () => {
        const bundle = liveNlu();
        const model = bundle.complaintClassifier(catalogue);
        return {
          normalise: (raw) => bundle.normalise(raw).text,
          places: (text) => bundle.places.find(text, bundle.segmenter.tokens(text)),
          category: (text) => model.infer(text)[0]?.category.id ?? "other",
        };
      },
      { source: p.values.get("source") ?? "", file: basename(file), onProgress: bar.update },
    );
    bar.clear();
    io.stdout.write(
      `${file}: ${thousands(report.imported)} of ${thousands(report.rows + problems.length)} rows imported` +
        `, ${thousands(report.already)} already imported, ${thousands(problems.length)} rejected` +
        `; place inferred for ${thousands(report.placeInferred)} (none found in ${thousands(report.placeUnknown)})` +
        `, category inferred for ${thousands(report.categoryInferred)}\n`,
    );
    return problems.length > 0 ? 1 : 0;
  } finally {
    bar.clear();
    await db.close();
  }
}

let bundleCache: NluBundle | undefined;
/** The live bot's understanding, built once per process and only when a row needs a place or category inferred. */
function liveNlu(): NluBundle {
  bundleCache ??= buildNlu();
  return bundleCache;
}

async function statsCommand(args: string[], config: Config, io: Io): Promise<number> {
  const p = parseArgs(args, ["from", "to"], ["json"]);
  if (p.positional.length) throw new UsageError(`unexpected ${p.positional.join(" ")}`);
  const range = rangeOf(p);
  const { historyStatistics } = await import("../handoff/complaint-history.js");
  const { openDatabase } = await import("../store/db.js");
  const db = await openDatabase(databaseOf(config));
  try {
    const s = await historyStatistics(db, range, loadComplaintCategories());
    if (p.switches.has("json")) {
      io.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
      return 0;
    }
    if (s.messages === 0) {
      io.stdout.write("no complaints in that range\n");
      return 0;
    }
    const lines = [
      `${thousands(s.messages)} complaints (${thousands(s.imported)} imported, ${thousands(s.live)} live)`,
      "by family (inferred):",
      ...s.byFamily.map((f) => `  ${f.family}  ${thousands(f.count)} (${thousands(f.inferred)})`),
      "by place (inferred), top 20:",
      ...s.byPlace.slice(0, 20).map((f) => `  ${f.place}  ${thousands(f.count)} (${thousands(f.inferred)})`),
      "by month:",
      ...s.byMonth.map((m) => `  ${m.month}  ${thousands(m.count)}`),
    ];
    io.stdout.write(`${lines.join("\n")}\n`);
    return 0;
  } finally {
    await db.close();
  }
}

export async function hotspotsCommand(args: string[], config: Config, io: Io): Promise<number> {
  return guarded(io, async () => {
    const p = parseArgs(args, ["from", "to", "top", "window"], ["json"]);
    if (p.positional.length) throw new UsageError(`unexpected ${p.positional.join(" ")}`);
    const range = rangeOf(p);
    const top = positiveInt(p, "top", 10, 1000);
    const windowDays = positiveInt(p, "window", 30, 3660);
    const { hotIssueMessages } = await import("../handoff/complaint-history.js");
    const { findHotIssues } = await import("../handoff/hot-issues.js");
    const { openDatabase } = await import("../store/db.js");
    const db = await openDatabase(databaseOf(config));
    let messages: Awaited<ReturnType<typeof hotIssueMessages>>;
    try {
      messages = await hotIssueMessages(db, range);
    } finally {
      await db.close();
    }
    const json = p.switches.has("json");
    if (messages.length === 0) {
      if (json) io.stdout.write("[]\n");
      io.stderr.write(
        "no messages in that range: import past work orders with `shouwang complaints import FILE`\n",
      );
      return 0;
    }
    const { createSegmenter } = await import("../intents/segmenter.js");
    const { createNormaliser } = await import("../intents/normalise.js");
    const segmenter = createSegmenter();
    const normalise = createNormaliser();
    const issues = findHotIssues(
      messages,
      {
        normalise: (raw) => normalise(raw).text,
        tag: (t) => segmenter.tag(t),
        parts: (w) => segmenter.parts(w),
      },
      { top, windowDays },
    );
    if (json) {
      const out = issues.map((i) => ({
        rank: i.rank,
        heat: i.heat,
        from: formatChinaTime(i.from),
        to: formatChinaTime(i.to),
        place: i.place,
        summary: i.summary,
        ids: i.ids,
      }));
      io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      return 0;
    }
    const live = messages.filter((m) => m.citizen?.startsWith("c:")).length;
    const lines = [
      `hot issues over ${thousands(messages.length)} messages (${thousands(messages.length - live)} imported, ${thousands(live)} live), linked within ${windowDays} days`,
    ];
    if (issues.length === 0) lines.push("no two messages are about the same matter");
    for (const i of issues) {
      lines.push(
        `${String(i.rank).padStart(2)}. heat ${i.heat.toFixed(2)}  ${i.messages} messages, ${i.citizens} citizens${
          i.likes ? `, ${thousands(i.likes)} likes` : ""
        }  ${shortChinaTime(i.from)} — ${shortChinaTime(i.to)}  ${i.place ?? "—"}`,
        `    ${i.summary}`,
        `    ids: ${i.ids.join(", ")}`,
      );
    }
    io.stdout.write(`${lines.join("\n")}\n`);
    return 0;
  });
}
