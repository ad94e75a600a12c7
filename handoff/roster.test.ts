import { describe, expect, it } from "vitest";
import { chinaClock, parseShift } from "./roster.js";

describe("roster", () => {
  it("reads shifts in China Standard Time", () => {
    // 2026-11-27 00:30 UTC is Friday 08:30 in Hohhot.
    expect(chinaClock(new Date("2026-11-27T00:30:00Z"))).toEqual({ weekday: 5, minute: 510 });
  });
  it("splits a night shift that crosses midnight", () => {
    expect(parseShift("sat 20:00-08:00")).toEqual([
      { weekday: 6, startMinute: 1200, endMinute: 1440 },
      { weekday: 0, startMinute: 0, endMinute: 480 },
    ]);
  });
  it("expands day ranges and lists", () => {
    expect(parseShift("mon-fri 08:00-17:00").map((s) => s.weekday)).toEqual([1, 2, 3, 4, 5]);
    expect(
      parseShift("fri-mon 00:00-24:00")
        .map((s) => s.weekday)
        .sort(),
    ).toEqual([0, 1, 5, 6]);
  });
  it("rejects nonsense", () => {
    expect(() => parseShift("someday 9-5")).toThrow(/mon-fri/);
  });
});
