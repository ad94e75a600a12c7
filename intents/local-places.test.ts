import { describe, expect, it } from "vitest";
import { findLocalPlaces, samePlace } from "./local-places.js";
import { createSegmenter } from "./segmenter.js";

const segmenter = createSegmenter();
const places = (text: string) => findLocalPlaces(segmenter.tag(text));
const names = (text: string) => places(text).map((p) => p.name);

describe("local places named in a message", () => {
  it("finds the 小区, school, road, company and village a message is about", () => {
    expect(names("我们是金桂花园小区的业主，小区门口的幸福路路灯坏了三个月")).toEqual(
      expect.arrayContaining(["金桂花园小区", "幸福路"]),
    );
    expect(names("红旗小学门口每天堵车")).toContain("红旗小学");
    expect(names("投诉宏达置业有限公司拖欠工程款")).toContain("宏达置业有限公司");
    expect(names("请求给石门村修一条路")).toContain("石门村");
  });

  it("leaves out pronouns, verbs and administrative units before the name", () => {
    expect(names("我们小区停水了")).toEqual([]);
    expect(names("家住新城区明珠花园")).toEqual(["明珠花园"]);
  });

  it("does not take a kind of place for a place", () => {
    expect(names("老旧小区改造进度太慢，公办学校学位不够，物业公司不作为，马路上全是坑")).toEqual([]);
  });

  it("matches two mentions of one company or estate", () => {
    const [a] = places("宏达置业有限公司");
    const [b] = places("宏达公司");
    expect(a && b && samePlace(a, b)).toBe(true);
    const [c] = places("新华公司");
    expect(a && c && samePlace(a, c)).toBe(false);
    const [d] = places("红旗小学");
    const [e] = places("红旗路");
    expect(d && e && samePlace(d, e)).toBe(false);
  });
});
