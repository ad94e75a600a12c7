import { readFileSync } from "node:fs";
import { z } from "zod";
import { AppError } from "../core/app-error.js";
import { projectPath } from "../core/paths.js";
import type { ComplaintCategory } from "./complaint-categories.js";

/**
 * Deadlines of the complaints loop (受理 → 办理 → 延期), always in China Standard Time (UTC+8, no daylight
 * saving) whatever the server's zone.
 *
 * How a period is counted (期间计算), following 《民法典》第二百零一条、第二百零三条 and 《民事诉讼法》第八十五条,
 * which administrative practice borrows when a rule gives no method of its own:
 *
 * - the day the period starts is not counted ("期间开始的时和日，不计算在期间内" / "开始的当日不计入，自下一日开始
 *   计算"): a case registered on Friday at 23:30 starts counting on Saturday;
 * - calendar days ("日"): the deadline is the N-th day after the start; if that last day is a day off (a weekend
 *   not worked or a public holiday), it moves to the next working day ("期间的最后一日是法定休假日的，以法定休假日
 *   结束的次日为期间的最后一日");
 * - working days ("工作日"): only working days count — Monday to Friday, minus public holidays, plus the 调休
 *   weekends that are worked;
 * - the period ends at 24:00 of its last day (returned as 23:59:59.999 CST, as an ISO instant in UTC, the form
 *   every other timestamp of the project uses, so that strings compare in time order).
 */

export type Counting = "calendar" | "working";

export interface HolidayPeriod {
  name: string;
  /** First day off, YYYY-MM-DD (CST). */
  start: string;
  /** Last day off, inclusive. */
  end: string;
}

export interface CalendarInput {
  /** Days off, YYYY-MM-DD (besides ordinary weekends). */
  holidays: readonly string[];
  /** Weekend days that are worked (调休上班). */
  workdays: readonly string[];
  /** Named holiday blocks (春节, 国庆节...), used by rules such as "within 30 days before 春节". Their days are
   * added to `holidays`. */
  periods?: readonly HolidayPeriod[];
  /** Years whose official schedule the calendar holds; defaults to the years its dates fall in. */
  years?: readonly number[];
}

export interface Calendar {
  /** The deadline instant (ISO, UTC) `days` calendar or working days after `startIso`; see the module comment. */
  addDays(startIso: string, days: number, counting: Counting): string;
  isWorkingDay(date: string | Date): boolean;
  /** Working days after `a`'s day up to and including `b`'s day (negative when `b` is before `a`), so that
   * `workingDaysBetween(a, addDays(a, n, "working")) === n`. */
  workingDaysBetween(a: string | Date, b: string | Date): number;
  /** The first working day on or after the date, YYYY-MM-DD. */
  nextWorkingDay(date: string | Date): string;
  /** The first named period starting on or after the date's CST day. */
  nextPeriod(name: string, from: string | Date): HolidayPeriod | undefined;
  /** Whether the official schedule of the date's year is known (otherwise only weekends are days off). */
  covers(date: string | Date): boolean;
  readonly periods: readonly HolidayPeriod[];
  readonly years: readonly number[];
}

const DAY_MS = 86_400_000;
const CST_OFFSET_MS = 8 * 3_600_000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const LOCAL_DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$/;
/** No deadline in this module spans more than a few months; a longer walk means a broken calendar. */
const MAX_WALK_DAYS = 3_660;

/** Day number (days since 1970-01-01) of a YYYY-MM-DD string, or undefined when it is not a real date. */
function dayOfIsoDate(s: string): number | undefined {
  const m = DATE_RE.exec(s);
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d)
    return undefined;
  return ms / DAY_MS;
}

/**
 * Parses an instant. A bare date ("2026-10-01") is that CST day; a date-time without zone ("2026-10-01T08:00") is
 * read as CST, never as the server's local time; anything with Z or an offset is taken as written.
 */
export function parseInstant(value: string | Date): number {
  if (value instanceof Date) {
    const t = value.getTime();
    if (Number.isNaN(t)) throw new AppError("bad_input", "无效的时间");
    return t;
  }
  const day = dayOfIsoDate(value);
  if (day !== undefined) return day * DAY_MS - CST_OFFSET_MS;
  const text = LOCAL_DATETIME_RE.test(value) ? `${value}+08:00` : value;
  const t = Date.parse(text);
  if (Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) {
    throw new AppError(
      "bad_input",
      `无法识别的时间 "${value}"（请用 ISO 8601，例如 2026-10-01T08:00:00+08:00）`,
    );
  }
  return t;
}

/** The CST day number of an instant. */
const cstDay = (value: string | Date): number => Math.floor((parseInstant(value) + CST_OFFSET_MS) / DAY_MS);

const isoOfDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** 24:00 of a CST day, as the last millisecond of that day in UTC ISO form. */
const endOfDay = (day: number): string => new Date((day + 1) * DAY_MS - CST_OFFSET_MS - 1).toISOString();

/** The CST calendar date (YYYY-MM-DD) of an instant. */
export const chinaDate = (value: string | Date): string => isoOfDay(cstDay(value));

/** 24:00 CST of the date's day, as an ISO instant in UTC. */
export const endOfChinaDay = (value: string | Date): string => endOfDay(cstDay(value));

/** 0 = Sunday … 6 = Saturday; 1970-01-01 was a Thursday. */
const weekdayOf = (day: number): number => (((day + 4) % 7) + 7) % 7;

const yearOf = (day: number): number => new Date(day * DAY_MS).getUTCFullYear();

function daysOf(list: readonly string[], what: string): Set<number> {
  const out = new Set<number>();
  for (const s of list) {
    const d = dayOfIsoDate(s);
    if (d === undefined) throw new AppError("bad_input", `${what}日期无效："${s}"（应为 YYYY-MM-DD）`);
    out.add(d);
  }
  return out;
}

export function createCalendar(input: CalendarInput): Calendar {
  const periods = [...(input.periods ?? [])];
  const holidays = daysOf(input.holidays, "节假日");
  for (const p of periods) {
    const a = dayOfIsoDate(p.start);
    const b = dayOfIsoDate(p.end);
    if (a === undefined || b === undefined || b < a || b - a > 31) {
      throw new AppError("bad_input", `节假日"${p.name}"的起止日期无效：${p.start} 至 ${p.end}`);
    }
    for (let d = a; d <= b; d++) holidays.add(d);
  }
  const workdays = daysOf(input.workdays, "调休上班");
  for (const d of workdays) {
    if (holidays.has(d)) throw new AppError("bad_input", `${isoOfDay(d)} 同时被列为放假和调休上班`);
  }
  const years = [...new Set(input.years ?? [...holidays, ...workdays].map(yearOf))].sort((x, y) => x - y);
  periods.sort((p, q) => p.start.localeCompare(q.start));

  const working = (day: number): boolean => {
    if (workdays.has(day)) return true;
    if (holidays.has(day)) return false;
    const w = weekdayOf(day);
    return w !== 0 && w !== 6;
  };

  const forwardToWorking = (day: number): number => {
    let d = day;
    for (let i = 0; !working(d); i++, d++) {
      if (i > MAX_WALK_DAYS) throw new AppError("internal", "日历中找不到工作日");
    }
    return d;
  };

  const countWorking = (from: number, to: number): number => {
    // Working days in (from, to].
    let n = 0;
    for (let d = from + 1; d <= to; d++) if (working(d)) n++;
    return n;
  };

  return {
    periods,
    years,
    addDays(startIso, days, counting) {
      if (!Number.isInteger(days) || days < 0 || days > MAX_WALK_DAYS) {
        throw new AppError("bad_input", `期限天数应为 0 到 ${MAX_WALK_DAYS} 的整数，收到 ${days}`);
      }
      const start = cstDay(startIso);
      if (counting === "calendar") return endOfDay(forwardToWorking(start + days));
      let d = start;
      let n = 0;
      while (n < days) {
        d++;
        if (working(d)) n++;
        if (d - start > MAX_WALK_DAYS) throw new AppError("internal", "日历中找不到足够的工作日");
      }
      // Zero working days: today if it is a working day, otherwise the next one.
      return endOfDay(days === 0 ? forwardToWorking(start) : d);
    },
    isWorkingDay: (date) => working(cstDay(date)),
    workingDaysBetween(a, b) {
      const da = cstDay(a);
      const db = cstDay(b);
      if (Math.abs(db - da) > MAX_WALK_DAYS * 10) throw new AppError("bad_input", "两个日期相距过远");
      return db >= da ? countWorking(da, db) : -countWorking(db, da);
    },
    nextWorkingDay: (date) => isoOfDay(forwardToWorking(cstDay(date))),
    nextPeriod(name, from) {
      const day = isoOfDay(cstDay(from));
      return periods.find((p) => p.name.split("、").includes(name) && p.start >= day);
    },
    covers: (date) => years.includes(yearOf(cstDay(date))),
  };
}

const IsoDate = z.string().regex(DATE_RE, "YYYY-MM-DD");

const HolidayYear = z
  .object({
    year: z.number().int().min(2000).max(2100),
    source: z.string().min(4),
    verified: z.string().min(4),
    periods: z.array(z.object({ name: z.string().min(2), start: IsoDate, end: IsoDate }).strict()).min(1),
    workdays: z.array(z.object({ date: IsoDate, for: z.string().min(2) }).strict()),
  })
  .strict()
  .superRefine((y, ctx) => {
    for (const w of y.workdays) {
      const d = dayOfIsoDate(w.date);
      if (d === undefined || yearOf(d) !== y.year || (weekdayOf(d) !== 0 && weekdayOf(d) !== 6)) {
        ctx.addIssue({ code: "custom", message: `${w.date} 不是 ${y.year} 年的周末，不可能是调休上班日` });
      }
    }
  });

const HolidaysFile = z
  .object({
    version: z.string(),
    timezone: z.literal("Asia/Shanghai"),
    note: z.string().optional(),
    years: z.array(HolidayYear).min(1),
  })
  .strict();
export type HolidaysData = z.infer<typeof HolidaysFile>;

export const DEFAULT_HOLIDAYS = projectPath("handoff", "data", "holidays.json");

export function loadHolidays(path: string = DEFAULT_HOLIDAYS): HolidaysData {
  return HolidaysFile.parse(JSON.parse(readFileSync(path, "utf8")));
}

/** The calendar of the official schedules in `handoff/data/holidays.json`. */
export function loadHolidayCalendar(path: string = DEFAULT_HOLIDAYS): Calendar {
  const data = loadHolidays(path);
  return createCalendar({
    holidays: [],
    periods: data.years.flatMap((y) => y.periods),
    workdays: data.years.flatMap((y) => y.workdays.map((w) => w.date)),
    years: data.years.map((y) => y.year),
  });
}

export interface DeadlineOptions {
  /** The handling period was extended once (延期); adds `extendedHandleBy`. */
  extended?: boolean;
  /** Whether this case is urgent. Defaults to the category's own urgency when it has no urgency keywords (every
   * case of it is urgent), otherwise to false: pass `inferCategory(...)[i].urgent`. */
  urgent?: boolean;
  /** When the responsible department accepted the case; the handling period runs from here (else from opening). */
  acceptedAt?: string;
  /** Adds `overdue` as of this instant. */
  now?: string | Date;
}

export interface Deadlines {
  categoryId: string;
  openedAt: string;
  /** By when the citizen must be told whether the case is accepted (受理告知). */
  acceptBy: string;
  /** By when it must be handled and answered (办结). */
  handleBy: string;
  /** What the handling period counts from: the acceptance when known, else the opening (provisional). */
  handleFrom: "accepted" | "opened";
  /** The handling deadline after one extension, when `extended` and the category allows one. */
  extendedHandleBy?: string;
  urgent: boolean;
  /** In Chinese, for the console and the citizen: which rules were applied and why. */
  notes: string[];
  /** False when a deadline falls in a year whose holiday schedule is unknown (weekends only were used). */
  calendarCovered: boolean;
  overdue?: { accept: boolean; handle: boolean };
}

const iso = (ms: number): string => new Date(ms).toISOString();

const countingText = (n: number, c: Counting | "continuous"): string =>
  c === "working" ? `${n}个工作日` : c === "calendar" ? `${n}日` : `${n * 24}小时`;

/**
 * The deadlines of a case of `category` opened at `openedAtIso`: the category's counting, its urgent limit for an
 * urgent case (continuous hours by default: duty staff handle hazards on holidays too), and its "before a holiday"
 * rule (e.g. wage arrears within 30 days before 春节 get a shorter handling period).
 */
export function deadlinesFor(
  category: ComplaintCategory,
  openedAtIso: string,
  calendar: Calendar,
  opts: DeadlineOptions = {},
): Deadlines {
  const { limits } = category;
  const openedMs = parseInstant(openedAtIso);
  const openedAt = iso(openedMs);
  const notes: string[] = [];
  const urgent = opts.urgent ?? (category.urgent && (category.urgentKeywords?.length ?? 0) === 0);
  const handleStart = opts.acceptedAt ? iso(parseInstant(opts.acceptedAt)) : openedAt;
  const handleFrom = opts.acceptedAt ? "accepted" : "opened";

  let acceptBy = calendar.addDays(openedAt, limits.acceptDays, limits.acceptCounting);
  notes.push(`受理告知：登记次日起算${countingText(limits.acceptDays, limits.acceptCounting)}内`);

  let handleBy = calendar.addDays(handleStart, limits.handleDays, limits.handleCounting);
  let extendable = limits.extensionDays > 0;
  const base = handleFrom === "accepted" ? "受理" : "登记（受理时间未知，暂按登记时间起算）";
  let handleNote = `办结：自${base}次日起算${countingText(limits.handleDays, limits.handleCounting)}内`;

  if (urgent && limits.urgentHandleDays !== undefined) {
    const counting = limits.urgentHandleCounting ?? "continuous";
    handleBy =
      counting === "continuous"
        ? iso(openedMs + limits.urgentHandleDays * DAY_MS)
        : calendar.addDays(openedAt, limits.urgentHandleDays, counting);
    handleNote = `紧急件：自登记起${countingText(limits.urgentHandleDays, counting)}内处置${
      counting === "continuous" ? "（不因节假日顺延，由值班人员处置）" : ""
    }`;
    extendable = false;
  } else if (limits.urgentBefore) {
    const rule = limits.urgentBefore;
    const holiday = calendar.nextPeriod(rule.holiday, openedAt);
    const daysBefore = holiday ? cstDay(holiday.start) - cstDay(openedAt) : undefined;
    if (holiday && daysBefore !== undefined && daysBefore >= 1 && daysBefore <= rule.days) {
      const shorter = calendar.addDays(handleStart, rule.handleDays, rule.handleCounting);
      if (shorter < handleBy) {
        handleBy = shorter;
        handleNote = `${rule.holiday}（${holiday.start}起放假）前${rule.days}日内登记，办结期限缩短为${countingText(
          rule.handleDays,
          rule.handleCounting,
        )}：${rule.basis}`;
      }
    } else if (!holiday && !calendar.covers(iso(openedMs + rule.days * DAY_MS))) {
      notes.push(`节假日表未含${rule.holiday}日期，无法判断是否适用节前从严期限`);
    }
  }
  notes.push(handleNote);
  if (handleBy < acceptBy) acceptBy = handleBy;

  let extendedHandleBy: string | undefined;
  if (opts.extended) {
    if (extendable) {
      extendedHandleBy = calendar.addDays(handleBy, limits.extensionDays, limits.handleCounting);
      notes.push(
        `已延期一次：自原办结期限次日起算${countingText(limits.extensionDays, limits.handleCounting)}（延期以一次为限）`,
      );
    } else {
      notes.push(urgent && limits.urgentHandleDays !== undefined ? "紧急件不适用延期" : "该类诉求无延期规定");
    }
  }

  const latest = extendedHandleBy ?? handleBy;
  const calendarCovered = calendar.covers(openedAt) && calendar.covers(latest);
  if (!calendarCovered) notes.push("节假日表未覆盖期限所在年份，仅按周末计算，请核对当年放假安排");

  const out: Deadlines = {
    categoryId: category.id,
    openedAt,
    acceptBy,
    handleBy,
    handleFrom,
    urgent,
    notes,
    calendarCovered,
  };
  if (extendedHandleBy) out.extendedHandleBy = extendedHandleBy;
  if (opts.now !== undefined) {
    const now = iso(parseInstant(opts.now));
    out.overdue = { accept: now > acceptBy, handle: now > latest };
  }
  return out;
}
