import { describe, expect, it } from "vitest";
import { inQuietHours, parseQuietHours } from "./campaign-rules.js";
import { parseTopics } from "./topics.js";

const cst = (hhmm: string) => Date.parse(`2026-03-10T${hhmm}:00+08:00`);

describe("campaign rules", () => {
  it("keeps quiet hours that cross midnight, in China time, and none when there are none", () => {
    const q = parseQuietHours("21:00-08:00");
    expect(inQuietHours(cst("20:59"), q)).toBe(false);
    expect(inQuietHours(cst("21:00"), q)).toBe(true);
    expect(inQuietHours(cst("03:00"), q)).toBe(true);
    expect(inQuietHours(cst("08:00"), q)).toBe(false);
    expect(inQuietHours(cst("03:00"), parseQuietHours("none"))).toBe(false);
    expect(() => parseQuietHours("9pm-8am")).toThrow(/21:00-08:00/);
    expect(() => parseQuietHours("08:00-08:00")).toThrow(/不能相同/);
  });

  it("reads topics by name or alias, and names the words that are none", () => {
    expect(parseTopics("劳动、反诈骗 和 医保").topics.map((t) => t.name)).toEqual([
      "劳动就业",
      "反诈",
      "社保医保",
    ]);
    expect(parseTopics("劳动 天气").unknown).toEqual(["天气"]);
  });
});
