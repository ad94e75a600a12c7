import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { complaintCategories } from "./complaint-categories.js";
import {
  chinaDate,
  createCalendar,
  deadlinesFor,
  endOfChinaDay,
  loadHolidayCalendar,
  loadHolidays,
} from "./deadlines.js";

/** 24:00 CST of a day, in the UTC ISO form the module returns. */
const eod = (day: string) => endOfChinaDay(day);
const cal = loadHolidayCalendar();
const category = (id: string) => complaintCategories().get(id);

describe("holidays.json (official schedules)", () => {
  const data = loadHolidays();
  const year = (y: number) => data.years.find((x) => x.year === y);

  it("holds the verified 2025 and 2026 schedules", () => {
    expect(data.years.map((y) => y.year)).toEqual([2025, 2026]);
    expect(cal.covers("2026-06-01")).toBe(true);
    expect(cal.covers("2027-06-01")).toBe(false);
  });

  it("2026: 春节 2-15..2-23 (9 days), 国庆 10-01..10-07, and the six 调休 working weekends", () => {
    const y2026 = year(2026);
    expect(y2026?.periods.find((p) => p.name === "春节")).toEqual({
      name: "春节",
      start: "2026-02-15",
      end: "2026-02-23",
    });
    expect(y2026?.periods.find((p) => p.name === "国庆节")).toMatchObject({
      start: "2026-10-01",
      end: "2026-10-07",
    });
    expect(y2026?.workdays.map((w) => w.date)).toEqual([
      "2026-01-04",
      "2026-02-14",
      "2026-02-28",
      "2026-05-09",
      "2026-09-20",
      "2026-10-10",
    ]);
    for (let d = 15; d <= 23; d++) expect(cal.isWorkingDay(`2026-02-${d}`)).toBe(false);
    expect(cal.isWorkingDay("2026-02-14")).toBe(true); // Saturday, worked
    expect(cal.isWorkingDay("2026-02-24")).toBe(true);
  });

  it("2025: 春节 1-28..2-04 with 1-26 and 2-08 worked; 国庆中秋 10-01..10-08", () => {
    expect(cal.isWorkingDay("2025-01-26")).toBe(true); // Sunday, worked
    expect(cal.isWorkingDay("2025-01-28")).toBe(false);
    expect(cal.isWorkingDay("2025-02-04")).toBe(false);
    expect(cal.isWorkingDay("2025-02-05")).toBe(true);
    expect(cal.isWorkingDay("2025-10-08")).toBe(false);
    expect(cal.isWorkingDay("2025-10-11")).toBe(true); // Saturday, worked
  });
});

describe("calendar arithmetic (China Standard Time)", () => {
  it("skips weekends when counting working days; the start day is not counted", () => {
    // Thursday 2026-11-26: Fri 27 (1), Mon 30 (2), Tue 12-01 (3).
    expect(cal.addDays("2026-11-26T10:00:00+08:00", 3, "working")).toBe(eod("2026-12-01"));
    expect(cal.addDays("2026-11-26T10:00:00+08:00", 1, "working")).toBe(eod("2026-11-27"));
  });

  it("jumps over the 国庆 block and counts the 调休 Sunday as a working day", () => {
    // Tue 9-29: Wed 9-30 (1), 10-01..10-07 off, Thu 10-08 (2), Fri 10-09 (3).
    expect(cal.addDays("2026-09-29T09:00:00+08:00", 3, "working")).toBe(eod("2026-10-09"));
    // Fri 9-18: Saturday 9-19 is off, Sunday 9-20 is worked.
    expect(cal.addDays("2026-09-18T09:00:00+08:00", 1, "working")).toBe(eod("2026-09-20"));
    expect(cal.workingDaysBetween("2026-09-29", "2026-10-09")).toBe(3);
  });

  it("a calendar-day deadline landing on a holiday moves to the next working day", () => {
    // Wed 9-16 + 15 days = 10-01 (国庆) → Thu 10-08.
    expect(cal.addDays("2026-09-16T09:00:00+08:00", 15, "calendar")).toBe(eod("2026-10-08"));
    // Sat 11-14 + 15 days = Sun 11-29 → Mon 11-30.
    expect(cal.addDays("2026-11-14T09:00:00+08:00", 15, "calendar")).toBe(eod("2026-11-30"));
    // ...but a 调休 Saturday is a working day, so it stays: 9-25 + 15 = Sat 10-10.
    expect(cal.addDays("2026-09-25T09:00:00+08:00", 15, "calendar")).toBe(eod("2026-10-10"));
  });

  it("zero days ends today, or the next working day when today is off", () => {
    expect(cal.addDays("2026-11-26T10:00:00+08:00", 0, "working")).toBe(eod("2026-11-26"));
    expect(cal.addDays("2026-11-28T10:00:00+08:00", 0, "calendar")).toBe(eod("2026-11-30"));
  });

  it("workingDaysBetween is the inverse of addDays and signed", () => {
    const start = "2026-06-01T09:00:00+08:00";
    for (const n of [1, 5, 15, 60])
      expect(cal.workingDaysBetween(start, cal.addDays(start, n, "working"))).toBe(n);
    expect(cal.workingDaysBetween("2026-12-01", "2026-11-26")).toBe(-3);
    expect(cal.workingDaysBetween("2026-11-26", "2026-11-26")).toBe(0);
  });

  it("works without an official schedule (weekends only) and rejects nonsense", () => {
    const plain = createCalendar({ holidays: [], workdays: [] });
    expect(plain.addDays("2026-10-01", 1, "working")).toBe(eod("2026-10-02"));
    expect(() => createCalendar({ holidays: ["2026-02-30"], workdays: [] })).toThrow(/无效/);
    expect(() => createCalendar({ holidays: ["2026-10-10"], workdays: ["2026-10-10"] })).toThrow(/同时/);
    expect(() => cal.addDays("2026-10-01", -1, "working")).toThrow(/整数/);
    expect(() => cal.addDays("next tuesday", 1, "working")).toThrow(/ISO/);
  });

  it("names holiday blocks so rules can look ahead to 春节", () => {
    expect(cal.nextPeriod("春节", "2026-01-20T10:00:00+08:00")?.start).toBe("2026-02-15");
    expect(cal.nextPeriod("中秋节", "2025-09-01")?.start).toBe("2025-10-01"); // "国庆节、中秋节"
    expect(cal.nextPeriod("春节", "2026-03-01")).toBeUndefined(); // 2027 not published yet
  });
});

describe("time zone: every day is a China Standard Time day, whatever the server's zone", () => {
  const saved = process.env.TZ;
  afterAll(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });

  const offsets: Record<string, number> = {
    UTC: 0,
    "America/Los_Angeles": 420,
    "Pacific/Kiritimati": -840,
    "Asia/Shanghai": -480,
  };
  for (const [tz, offset] of Object.entries(offsets)) {
    describe(`server in ${tz}`, () => {
      beforeAll(() => {
        process.env.TZ = tz;
      });

      it("really runs in that zone", () => {
        expect(new Date("2026-10-09T15:30:00Z").getTimezoneOffset()).toBe(offset);
      });

      it("a case opened Friday 23:30 CST starts counting on Saturday", () => {
        // Friday 2026-10-09 23:30 CST is 15:30 UTC (still Friday) and 05:30 Saturday in Kiritimati (UTC+14).
        const opened = "2026-10-09T23:30:00+08:00";
        expect(chinaDate(opened)).toBe("2026-10-09");
        // Saturday 10-10 is a 调休 working day, so one working day ends on it.
        expect(cal.addDays(opened, 1, "working")).toBe("2026-10-10T15:59:59.999Z");
        // An ordinary Friday night: the next working day is Monday.
        expect(cal.addDays("2026-11-27T23:30:00+08:00", 1, "working")).toBe("2026-11-30T15:59:59.999Z");
        expect(cal.addDays("2026-11-27T15:30:00Z", 2, "calendar")).toBe("2026-11-30T15:59:59.999Z");
      });

      it("00:30 CST on Saturday is Saturday, though it is still Friday in UTC", () => {
        const opened = "2026-10-09T16:30:00Z"; // Saturday 2026-10-10 00:30 CST
        expect(chinaDate(opened)).toBe("2026-10-10");
        expect(cal.isWorkingDay(opened)).toBe(true);
        expect(cal.addDays(opened, 1, "working")).toBe("2026-10-12T15:59:59.999Z");
      });

      it("reads a date-time without zone as CST", () => {
        expect(cal.addDays("2026-10-09T23:30", 1, "working")).toBe("2026-10-10T15:59:59.999Z");
      });
    });
  }
});

describe("deadlinesFor", () => {
  it("信访: 15 days to accept, 60 to handle, one extension of 30, holidays moving the last day", () => {
    const d = deadlinesFor(category("petition"), "2026-03-02T10:00:00+08:00", cal, { extended: true });
    expect(d.acceptBy).toBe(eod("2026-03-17"));
    // 3-02 + 60 days = 5-01 (劳动节 5-01..5-05) → 5-06.
    expect(d.handleBy).toBe(eod("2026-05-06"));
    // The extension runs from the day after the original deadline: 5-06 + 30 = Fri 6-05.
    expect(d.extendedHandleBy).toBe(eod("2026-06-05"));
    expect(d.handleFrom).toBe("opened");
    expect(d.calendarCovered).toBe(true);
    expect(d.notes.join("\n")).toMatch(/延期/);
  });

  it("counts the handling period from acceptance when known", () => {
    const d = deadlinesFor(category("petition"), "2026-03-02T10:00:00+08:00", cal, {
      acceptedAt: "2026-03-10T09:00:00+08:00",
    });
    expect(d.handleFrom).toBe("accepted");
    // 3-10 + 60 days = Saturday 5-09, a 调休 working day, so the deadline stays on it.
    expect(d.handleBy).toBe(eod("2026-05-09"));
  });

  it("labour inspection counts working days and extends by working days", () => {
    const opened = "2026-06-01T09:00:00+08:00";
    const d = deadlinesFor(category("labour-dispute"), opened, cal, { extended: true });
    expect(cal.workingDaysBetween(opened, d.acceptBy)).toBe(5);
    expect(cal.workingDaysBetween(opened, d.handleBy)).toBe(60);
    expect(d.extendedHandleBy).toBeDefined();
    expect(cal.workingDaysBetween(d.handleBy, d.extendedHandleBy ?? "")).toBe(30);
  });

  it("a category without extension says so instead of inventing one", () => {
    const d = deadlinesFor(category("medical-dispute"), "2026-06-01T09:00:00+08:00", cal, { extended: true });
    expect(d.extendedHandleBy).toBeUndefined();
    expect(d.notes.join("\n")).toMatch(/无延期规定/);
  });

  it("wage arrears within 30 days before 春节 get a shorter handling period", () => {
    const before = deadlinesFor(category("wage-arrears"), "2026-01-20T10:00:00+08:00", cal);
    // 10 working days after Tue 1-20: 21 22 23 26 27 28 29 30, 2-02, 2-03.
    expect(before.handleBy).toBe(eod("2026-02-03"));
    expect(before.notes.join("\n")).toMatch(/春节（2026-02-15起放假）前30日内/);
    expect(before.urgent).toBe(true);

    const farBefore = deadlinesFor(category("wage-arrears"), "2026-01-10T10:00:00+08:00", cal);
    expect(cal.workingDaysBetween("2026-01-10T10:00:00+08:00", farBefore.handleBy)).toBe(60);

    const after = deadlinesFor(category("wage-arrears"), "2026-03-02T10:00:00+08:00", cal);
    expect(cal.workingDaysBetween("2026-03-02T10:00:00+08:00", after.handleBy)).toBe(60);
  });

  it("an urgent safety hazard is handled within 24 hours, holiday or not, and is not extendable", () => {
    const opened = "2026-10-02T22:00:00+08:00"; // in the 国庆 holiday
    const d = deadlinesFor(category("work-safety"), opened, cal, { urgent: true, extended: true });
    expect(d.handleBy).toBe("2026-10-03T14:00:00.000Z");
    expect(d.acceptBy).toBe(d.handleBy);
    expect(d.extendedHandleBy).toBeUndefined();
    expect(d.notes.join("\n")).toMatch(/24小时/);

    const ordinary = deadlinesFor(category("work-safety"), "2026-11-26T10:00:00+08:00", cal);
    expect(ordinary.urgent).toBe(false); // work safety has urgency keywords: the caller decides
    expect(cal.workingDaysBetween("2026-11-26", ordinary.handleBy)).toBe(15);
  });

  it("flags deadlines in a year without a published schedule, and overdue cases", () => {
    const d = deadlinesFor(category("petition"), "2026-12-20T10:00:00+08:00", cal, {
      now: "2027-03-01T00:00:00Z",
    });
    expect(d.calendarCovered).toBe(false);
    expect(d.notes.join("\n")).toMatch(/未覆盖/);
    expect(d.overdue).toEqual({ accept: true, handle: true });
    const fresh = deadlinesFor(category("petition"), "2026-11-26T10:00:00+08:00", cal, {
      now: "2026-11-27T00:00:00Z",
    });
    expect(fresh.overdue).toEqual({ accept: false, handle: false });
  });
});
