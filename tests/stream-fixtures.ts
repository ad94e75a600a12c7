import type { Assistant } from "../bot/assistant.js";
import { loadComplaintCategories } from "../handoff/complaint-categories.js";
import { type HistoryRow, importHistory } from "../handoff/complaint-history.js";

/**
 * Invented complaint streams for the early-warning tests: past work orders imported through the real import
 * (with a stand-in for the place gazetteer: each row names its 旗县区), live complaints and crisis cases written
 * as the services store them.
 */

export const PLACES: Record<string, string> = {
  准格尔旗: "鄂尔多斯市",
  松山区: "赤峰市",
  回民区: "呼和浩特市",
};

/** A deterministic generator, so that every run imports the same stream. */
export function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A Poisson draw (Knuth): the daily count of a steady stream. */
export function poisson(r: () => number, lambda: number): number {
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = r();
  while (p > limit) {
    k++;
    p *= r();
  }
  return k;
}

/** Noon of a China date, in milliseconds. */
export const noon = (day: string, minute = 0) => Date.parse(`${day}T12:00:00+08:00`) + minute * 60_000;

export interface StreamCell {
  county: string;
  category: string;
  /** Mean letters per weekday; weekends get half. */
  perDay: number;
}

/** Rows of a steady stream over `days` days ending the day before `until` (a China date). */
export function steadyStream(
  cells: readonly StreamCell[],
  until: string,
  days: number,
  seed = 1,
): HistoryRow[] {
  const r = random(seed);
  const rows: HistoryRow[] = [];
  const end = Date.parse(`${until}T00:00:00Z`);
  for (let k = days; k >= 1; k--) {
    const day = new Date(end - k * 86_400_000).toISOString().slice(0, 10);
    const weekend = [0, 6].includes(new Date(`${day}T00:00:00Z`).getUTCDay());
    for (const c of cells) {
      const n = poisson(r, weekend ? c.perDay / 2 : c.perDay);
      for (let i = 0; i < n; i++) rows.push(letter(`${day}-${c.county}-${c.category}-${i}`, c, day, i));
    }
  }
  return rows;
}

export function letter(
  id: string,
  c: Pick<StreamCell, "county" | "category">,
  day: string,
  i = 0,
): HistoryRow {
  return {
    id,
    line: 1,
    title: null,
    text: `关于${c.county}的来信`,
    time: noon(day, i),
    citizen: id,
    likes: 0,
    reply: null,
    place: c.county,
    category: c.category,
  };
}

export async function importRows(a: Pick<Assistant, "db">, rows: readonly HistoryRow[]) {
  return importHistory(
    a.db,
    rows,
    loadComplaintCategories(),
    () => ({
      normalise: (s) => s,
      places: (text) => (PLACES[text] ? [{ matched: text, league: PLACES[text], county: text }] : []),
      category: () => "other",
    }),
    { file: "stream.jsonl", source: "old" },
  );
}

let nextCase = 0;
/** A crisis case as the handoff opens it (only its count matters to the dashboard). */
export async function openCrisisCase(a: Pick<Assistant, "db">, at: number) {
  const id = `CR-2026-${String(++nextCase).padStart(6, "0")}`;
  const conv = `conv-${id}`;
  const iso = new Date(at).toISOString();
  await a.db.run("INSERT INTO conversations (id, channel, created_at, updated_at) VALUES (?, 'web', ?, ?)", [
    conv,
    iso,
    iso,
  ]);
  await a.db.run(
    `INSERT INTO cases (id, conversation_id, channel, kind, risk, priority, state, first_message, opened_at, updated_at)
     VALUES (?, ?, 'web', 'crisis', 'high', 2, 'waiting', '', ?, ?)`,
    [id, conv, iso, iso],
  );
  return id;
}

let nextCitizen = 0;
/** A live complaint filed as the chat files a confirmed draft: dispatched to its department, deadlines set. */
export async function fileLive(
  a: Pick<Assistant, "db" | "complaints">,
  c: { county: string; category: string; what: string; at: number },
): Promise<string> {
  const citizen = `web:citizen-${++nextCitizen}`;
  const conv = `conv-${citizen}`;
  const iso = new Date(c.at).toISOString();
  await a.db.run("INSERT INTO conversations (id, channel, created_at, updated_at) VALUES (?, 'web', ?, ?)", [
    conv,
    iso,
    iso,
  ]);
  const result = await a.db.transaction((tx) =>
    a.complaints.file(tx, {
      conversationId: conv,
      channel: "web",
      citizen,
      at: iso,
      draft: {
        what: c.what,
        category: c.category,
        categoryConfirmed: true,
        league: PLACES[c.county],
        county: c.county,
        ask: "请尽快处理",
        contact: "chat",
        awaiting: "confirm",
      },
    }),
  );
  return result.id;
}
