/**
 * Times as people and exports write them, read as China Standard Time (UTC+8, no daylight saving) unless they
 * carry a zone: "2019/1/11 9:32:09", "2019-07-21 10:05:00", "2019-07-21T10:05", "2019年7月21日 10:05",
 * "2019.7.21", a bare date (midnight), or an ISO 8601 instant with Z or an offset.
 */

const CST_OFFSET_MS = 8 * 3_600_000;
export const DAY_MS = 86_400_000;

const LOCAL =
  /^(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?(?:(?:\s+|T|\s*日?\s*)(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2})(?:\.(\d{1,9}))?\s*秒?)?)?$/;
const ZONED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

export type ParsedTime = { ok: true; time: number } | { ok: false; reason: string };

/** Milliseconds since the epoch of a written time, or why it could not be read. */
export function parseChinaTime(raw: string): ParsedTime {
  const text = raw.trim().replace(/\u3000/g, " ");
  if (text === "") return { ok: false, reason: "empty" };
  if (ZONED.test(text)) {
    const t = Date.parse(text);
    return Number.isNaN(t) ? { ok: false, reason: `not a real time "${raw}"` } : { ok: true, time: t };
  }
  const m = LOCAL.exec(text);
  if (!m) return { ok: false, reason: `unknown date format "${raw}"` };
  const [y, mo, d, h = 0, mi = 0, s = 0] = m
    .slice(1, 7)
    .map((x) => (x === undefined ? undefined : Number(x))) as [
    number,
    number,
    number,
    number?,
    number?,
    number?,
  ];
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, "0")) : 0;
  const utc = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const back = new Date(utc);
  // Date.UTC rolls 2019-02-30 over into March: a date that does not come back unchanged is not a real one.
  if (
    back.getUTCFullYear() !== y ||
    back.getUTCMonth() !== mo - 1 ||
    back.getUTCDate() !== d ||
    h > 23 ||
    mi > 59 ||
    s > 59
  ) {
    return { ok: false, reason: `not a real date or time "${raw}"` };
  }
  return { ok: true, time: utc - CST_OFFSET_MS };
}

/** A time written as China Standard Time with its offset: "2019-01-11T09:32:09+08:00". */
export function formatChinaTime(time: number): string {
  return `${new Date(time + CST_OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}

/** "2019-01-11 09:32", China Standard Time, for people. */
export function shortChinaTime(time: number): string {
  return new Date(time + CST_OFFSET_MS).toISOString().slice(0, 16).replace("T", " ");
}

/** The start of the China Standard Time day holding `time`. */
export function startOfChinaDay(time: number): number {
  return Math.floor((time + CST_OFFSET_MS) / DAY_MS) * DAY_MS - CST_OFFSET_MS;
}

/** Whether a written time names a whole day (no hour), so that `--to 2019-12-31` can include that day. */
export function isBareDate(raw: string): boolean {
  return /^\d{4}\s*(?:[-/.]|年)\s*\d{1,2}\s*(?:[-/.]|月)\s*\d{1,2}\s*日?$/.test(raw.trim());
}
