import { createHash } from "node:crypto";
import { parseChinaTime } from "../core/china-time.js";
import { maskPersonalNumbers } from "../core/redact.js";
import type { PlaceMatch } from "../intents/places.js";
import type { Db } from "../store/db.js";
import { chinaDate } from "../store/dialect.js";
import type { Param } from "../store/sql.js";
import { COMPLAINT_FAMILIES, type ComplaintCatalogue } from "./complaint-categories.js";
import type { HotMessage } from "./hot-issues.js";
import type { Cell, Column, RowProblem, WorkOrderFile } from "./work-order-files.js";

/**
 * Past work orders (历史工单) kept beside the live complaints, in complaint_history: they feed statistics and hot
 * issues and never reach a department's queue. Rows are keyed by (source, the file's id), so importing a file
 * again adds nothing twice. A row without a place or a category gets the ones the live bot would infer, from the
 * same place gazetteer and category model, marked as inferred. ID and phone numbers are masked before storing.
 */

/** What the live bot's understanding offers the import: the normaliser, the place gazetteer and the category model. */
export interface LetterReader {
  normalise(raw: string): string;
  /** Places the gazetteer finds in a (normalised) text, most specific first, as the live intake takes them. */
  places(text: string): PlaceMatch[];
  /** The best category id of the live model for a (normalised) text. */
  category(text: string): string;
}

export interface HistoryRow {
  id: string;
  line: number;
  title: string | null;
  text: string;
  time: number;
  citizen: string | null;
  likes: number;
  reply: string | null;
  place: string | null;
  category: string | null;
}

export interface ImportReport {
  rows: number;
  imported: number;
  /** Rows whose (source, id) was already stored: left as they were. */
  already: number;
  rejected: RowProblem[];
  placeInferred: number;
  /** Rows that named no place and in which the gazetteer found none. */
  placeUnknown: number;
  categoryInferred: number;
}

export type Progress = (done: number, total: number) => void;

const cellText = (c: Cell | undefined): string | null => {
  if (c === null || c === undefined) return null;
  if (c instanceof Date) return c.toISOString();
  const s = String(c).trim();
  return s === "" ? null : s;
};

/** Checks each row's values; a bad row is reported with its line and column, and left out. */
export function validateRows(file: WorkOrderFile): { rows: HistoryRow[]; problems: RowProblem[] } {
  const problems: RowProblem[] = [...file.problems];
  const rows: HistoryRow[] = [];
  const firstLine = new Map<string, number>();
  const name = (c: Column): string => file.columns[c] ?? c;
  for (const r of file.rows) {
    const bad = (column: Column, message: string) =>
      problems.push({ line: r.line, column: name(column), message });
    const id = cellText(r.cells.id);
    const text = cellText(r.cells.text);
    const time = timeOf(r.cells.time);
    let ok = true;
    if (!id) {
      bad("id", "empty");
      ok = false;
    } else if (id.length > 200) {
      bad("id", "longer than 200 characters");
      ok = false;
    } else if (firstLine.has(id)) {
      bad("id", `"${id}" appears again (first on line ${firstLine.get(id)})`);
      ok = false;
    }
    if (!text) {
      bad("text", "empty");
      ok = false;
    }
    if (!time.ok) {
      bad("time", time.reason);
      ok = false;
    }
    let likes = 0;
    const rawLikes = r.cells.likes;
    if (rawLikes !== null && rawLikes !== undefined && String(rawLikes).trim() !== "") {
      const n = Number(String(rawLikes).trim());
      if (!Number.isInteger(n) || n < 0) {
        bad("likes", `not a whole number of likes: "${String(rawLikes)}"`);
        ok = false;
      } else likes = n;
    }
    if (!ok || !id || !text || !time.ok) continue;
    firstLine.set(id, r.line);
    rows.push({
      id,
      line: r.line,
      title: cellText(r.cells.title),
      text,
      time: time.time,
      citizen: cellText(r.cells.citizen),
      likes,
      reply: cellText(r.cells.reply),
      place: cellText(r.cells.place),
      category: cellText(r.cells.category),
    });
  }
  problems.sort((a, b) => a.line - b.line);
  return { rows, problems };
}

/** A workbook's date cell holds the wall-clock time it shows (read as UTC): that clock is China time. */
function timeOf(c: Cell | undefined): { ok: true; time: number } | { ok: false; reason: string } {
  if (c === null || c === undefined) return { ok: false, reason: "empty" };
  if (c instanceof Date) {
    const t = c.getTime();
    return Number.isNaN(t) ? { ok: false, reason: "not a date" } : { ok: true, time: t - 8 * 3_600_000 };
  }
  if (typeof c !== "string") return { ok: false, reason: `unknown date format "${String(c)}"` };
  return parseChinaTime(c);
}

export interface ImportOptions {
  /** Names the source when ids of two systems could collide; "" by default. */
  source?: string;
  file: string;
  now?: () => Date;
  onProgress?: Progress;
}

/**
 * Stores the rows not stored yet, in one transaction. `reader` is asked for only when some new row lacks a place or
 * a category (building the models costs a second or two).
 */
export async function importHistory(
  db: Db,
  rows: readonly HistoryRow[],
  catalogue: ComplaintCatalogue,
  reader: () => LetterReader,
  options: ImportOptions,
): Promise<Omit<ImportReport, "rejected">> {
  const source = options.source ?? "";
  const existing = new Set<string>();
  for (let k = 0; k < rows.length; k += 500) {
    const chunk = rows.slice(k, k + 500);
    const found = await db.all<{ source_id: string }>(
      `SELECT source_id FROM complaint_history WHERE source = ? AND source_id IN (${chunk.map(() => "?").join(",")})`,
      [source, ...chunk.map((r) => r.id)],
    );
    for (const f of found) existing.add(f.source_id);
  }
  const fresh = rows.filter((r) => !existing.has(r.id));
  let letters: LetterReader | undefined;
  const read = () => {
    letters ??= reader();
    return letters;
  };
  let placeInferred = 0;
  let placeUnknown = 0;
  let categoryInferred = 0;
  const now = (options.now?.() ?? new Date()).toISOString();
  const values: Param[][] = [];
  const total = fresh.length;
  let lastReport = 0;
  for (const [k, r] of fresh.entries()) {
    let place = r.place;
    let match: PlaceMatch | undefined;
    let placeWasInferred = 0;
    if (place) {
      match = read().places(read().normalise(place))[0];
    } else {
      const l = read();
      match = l.places(l.normalise(`${r.title ?? ""}。${r.text}`))[0];
      if (match) {
        place = match.county ?? match.league;
        placeWasInferred = 1;
        placeInferred++;
      } else placeUnknown++;
    }
    let category: string | null = null;
    let label: string | null = null;
    let family: string | null = null;
    let categoryWasInferred = 0;
    if (r.category) {
      label = r.category;
      const known = catalogue.byId(r.category) ?? catalogue.categories.find((c) => c.label === r.category);
      if (known) {
        category = known.id;
        family = known.family;
      } else if ((COMPLAINT_FAMILIES as readonly string[]).includes(r.category)) family = r.category;
    } else {
      const l = read();
      const id = l.category(l.normalise(`${r.title ?? ""}。${r.text}`));
      const c = catalogue.byId(id);
      category = id;
      label = c?.label ?? id;
      family = c?.family ?? null;
      categoryWasInferred = 1;
      categoryInferred++;
    }
    values.push([
      source,
      r.id,
      r.title === null ? null : maskPersonalNumbers(r.title),
      maskPersonalNumbers(r.text),
      new Date(r.time).toISOString(),
      r.citizen === null ? null : pseudonym(source, r.citizen),
      r.likes,
      r.reply === null ? null : maskPersonalNumbers(r.reply),
      place,
      match?.league ?? null,
      match?.county ?? null,
      placeWasInferred,
      category,
      label,
      family,
      categoryWasInferred,
      options.file,
      r.line,
      now,
    ]);
    if (options.onProgress && (k + 1 === total || performance.now() - lastReport > 100)) {
      lastReport = performance.now();
      options.onProgress(k + 1, total);
    }
  }
  let imported = 0;
  const COLUMNS_SQL =
    "(source, source_id, title, text, received_at, citizen, likes, reply, place, league, county, place_inferred, category, category_label, family, category_inferred, file, line, imported_at)";
  const ROW = `(${new Array(19).fill("?").join(", ")})`;
  await db.transaction(async (tx) => {
    for (let k = 0; k < values.length; k += 200) {
      const batch = values.slice(k, k + 200);
      const result = await tx.run(
        `INSERT INTO complaint_history ${COLUMNS_SQL} VALUES ${batch.map(() => ROW).join(", ")} ON CONFLICT DO NOTHING`,
        batch.flat(),
      );
      imported += result.changes;
    }
  });
  return {
    rows: rows.length,
    imported,
    already: rows.length - imported,
    placeInferred,
    placeUnknown,
    categoryInferred,
  };
}

/** Who wrote is needed only to count distinct citizens: a keyed hash is enough and keeps the handle out. */
function pseudonym(source: string, citizen: string): string {
  return createHash("sha256").update(`${source}\u0000${citizen}`).digest("hex").slice(0, 16);
}

export interface TimeRange {
  /** Inclusive, milliseconds since the epoch. */
  from?: number;
  /** Exclusive. */
  to?: number;
}

function rangeSql(column: string, range: TimeRange): { where: string; params: Param[] } {
  const parts: string[] = [];
  const params: Param[] = [];
  if (range.from !== undefined) {
    parts.push(`${column} >= ?`);
    params.push(new Date(range.from).toISOString());
  }
  if (range.to !== undefined) {
    parts.push(`${column} < ?`);
    params.push(new Date(range.to).toISOString());
  }
  return { where: parts.length ? `WHERE ${parts.join(" AND ")}` : "", params };
}

/** Imported work orders and live complaints in the range, as hot-issue messages. */
export async function hotIssueMessages(db: Db, range: TimeRange): Promise<HotMessage[]> {
  const h = rangeSql("received_at", range);
  const imported = await db.all<{
    source: string;
    source_id: string;
    title: string | null;
    text: string;
    received_at: string;
    citizen: string | null;
    likes: number;
    place: string | null;
  }>(
    `SELECT source, source_id, title, text, received_at, citizen, likes, place FROM complaint_history ${h.where}`,
    h.params,
  );
  const c = rangeSql("opened_at", range);
  const live = await db.all<{
    id: string;
    citizen: string;
    what: string;
    ask: string;
    opened_at: string;
    county: string | null;
    league: string | null;
  }>(`SELECT id, citizen, what, ask, opened_at, county, league FROM complaints ${c.where}`, c.params);
  return [
    ...imported.map((r) => ({
      id: r.source ? `${r.source}:${r.source_id}` : r.source_id,
      title: r.title,
      text: r.text,
      time: Date.parse(r.received_at),
      citizen: r.citizen === null ? null : `h:${r.citizen}`,
      likes: r.likes,
      place: r.place,
    })),
    // Content erased under the retention rule leaves empty text: nothing to group by.
    ...live
      .filter((r) => r.what.trim() !== "")
      .map((r) => ({
        id: r.id,
        text: `${r.what}。${r.ask}`,
        time: Date.parse(r.opened_at),
        citizen: `c:${r.citizen}`,
        likes: 0,
        place: r.county ?? r.league,
      })),
  ];
}

export interface HistoryStatistics {
  messages: number;
  imported: number;
  live: number;
  byFamily: { family: string; count: number; inferred: number }[];
  byPlace: { place: string; count: number; inferred: number }[];
  byMonth: { month: string; count: number }[];
}

/** Counts over imported work orders and live complaints: by 12345 family, by place and by month (China time). */
export async function historyStatistics(
  db: Db,
  range: TimeRange,
  catalogue: ComplaintCatalogue,
): Promise<HistoryStatistics> {
  const h = rangeSql("received_at", range);
  const c = rangeSql("opened_at", range);
  const rows = await db.all<{
    family: string | null;
    place: string | null;
    month: string;
    inferred_family: number;
    inferred_place: number;
    live: number;
  }>(
    `SELECT family, place, ${chinaDate(db.dialect, "received_at", "month")} AS month, category_inferred AS inferred_family,
            place_inferred AS inferred_place, 0 AS live FROM complaint_history ${h.where}
     UNION ALL
     SELECT category AS family, COALESCE(county, league) AS place, ${chinaDate(db.dialect, "opened_at", "month")} AS month,
            0, 0, 1 FROM complaints ${c.where}`,
    [...h.params, ...c.params],
  );
  const family = new Map<string, { count: number; inferred: number }>();
  const place = new Map<string, { count: number; inferred: number }>();
  const month = new Map<string, number>();
  let live = 0;
  for (const r of rows) {
    // Live complaints carry a category id; its family is in the catalogue.
    const f = (r.live ? catalogue.byId(r.family ?? "")?.family : r.family) ?? "未分类";
    const fe = family.get(f) ?? { count: 0, inferred: 0 };
    fe.count++;
    fe.inferred += r.inferred_family;
    family.set(f, fe);
    const p = r.place ?? "未知";
    const pe = place.get(p) ?? { count: 0, inferred: 0 };
    pe.count++;
    pe.inferred += r.inferred_place;
    place.set(p, pe);
    month.set(r.month, (month.get(r.month) ?? 0) + 1);
    live += r.live;
  }
  const ranked = <T extends { count: number }>(m: Map<string, T>) =>
    [...m].sort((a, b) => b[1].count - a[1].count);
  return {
    messages: rows.length,
    imported: rows.length - live,
    live,
    byFamily: ranked(family).map(([k, v]) => ({ family: k, ...v })),
    byPlace: ranked(place).map(([k, v]) => ({ place: k, ...v })),
    byMonth: [...month].sort((a, b) => a[0].localeCompare(b[0])).map(([m, count]) => ({ month: m, count })),
  };
}
