import { describe, expect, it } from "vitest";
import { formatChinaTime, isBareDate, parseChinaTime, shortChinaTime } from "./china-time.js";

const at = (raw: string): string => {
  const r = parseChinaTime(raw);
  if (!r.ok) throw new Error(r.reason);
  return new Date(r.time).toISOString();
};

describe("parseChinaTime", () => {
  it("reads the mixed formats of work-order exports as China time (UTC+8)", () => {
    expect(at("2019/1/11 9:32:09")).toBe("2019-01-11T01:32:09.000Z");
    expect(at("2019-07-21 10:05:00")).toBe("2019-07-21T02:05:00.000Z");
    expect(at("2019-07-21T10:05")).toBe("2019-07-21T02:05:00.000Z");
    expect(at("2019年7月21日 10:05")).toBe("2019-07-21T02:05:00.000Z");
    expect(at("2019.7.21")).toBe("2019-07-20T16:00:00.000Z");
    // Just after midnight in China is still the previous day in UTC.
    expect(at("2020/1/1 0:30:00")).toBe("2019-12-31T16:30:00.000Z");
  });

  it("takes a written zone as written", () => {
    expect(at("2019-07-21T10:05:00Z")).toBe("2019-07-21T10:05:00.000Z");
    expect(at("2019-07-21T10:05:00+09:00")).toBe("2019-07-21T01:05:00.000Z");
  });

  it("refuses what is not a time, saying what it saw", () => {
    for (const bad of [
      "2019/13/1 9:00",
      "2019-02-30",
      "2019-07-21 25:00",
      "21/07/2019",
      "昨天",
      "",
      "1563674700",
    ]) {
      const r = parseChinaTime(bad);
      expect(r.ok, bad).toBe(false);
    }
    const r = parseChinaTime("21/07/2019");
    expect(r.ok ? "" : r.reason).toContain('"21/07/2019"');
  });

  it("writes times back in China time", () => {
    const r = parseChinaTime("2019/1/11 9:32:09");
    const t = r.ok ? r.time : 0;
    expect(formatChinaTime(t)).toBe("2019-01-11T09:32:09+08:00");
    expect(shortChinaTime(t)).toBe("2019-01-11 09:32");
    expect(isBareDate("2019-12-31")).toBe(true);
    expect(isBareDate("2019-12-31 10:00")).toBe(false);
  });
});
