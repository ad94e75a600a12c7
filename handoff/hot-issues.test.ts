import { describe, expect, it } from "vitest";
import { createNormaliser } from "../intents/normalise.js";
import { createSegmenter } from "../intents/segmenter.js";
import { findHotIssues, type HotMessage, heatOf, summaryOf } from "./hot-issues.js";

const segmenter = createSegmenter();
const normalise = createNormaliser();
const reader = {
  normalise: (raw: string) => normalise(raw).text,
  tag: (t: string) => segmenter.tag(t),
  parts: (w: string) => segmenter.parts(w),
};
const DAY = 86_400_000;
const T0 = Date.parse("2024-05-01T00:00:00Z");

let next = 0;
const msg = (text: string, days: number, extra: Partial<HotMessage> = {}): HotMessage => ({
  id: `m${++next}`,
  text,
  time: T0 + days * DAY,
  ...extra,
});

describe("heat", () => {
  it("counts citizens fully, repeats a quarter, likes on a log scale, and favours concentration in time", () => {
    expect(heatOf(1, 1, 0, 0)).toBeCloseTo(1);
    expect(heatOf(4, 4, 0, 7)).toBeCloseTo(4 * (1 + 0.75 / 2));
    // Four citizens outweigh one citizen writing four times.
    expect(heatOf(4, 4, 0, 2)).toBeGreaterThan(heatOf(4, 1, 0, 2) * 2);
    // The same messages within a day are hotter than spread over two months.
    expect(heatOf(5, 5, 0, 1)).toBeGreaterThan(heatOf(5, 5, 0, 60) * 1.4);
    // A thousand likes weigh about three and a half citizens.
    expect(heatOf(1, 1, 1000, 0) - heatOf(1, 1, 0, 0)).toBeCloseTo(0.5 * Math.log(1001));
  });
});

describe("hot issues", () => {
  it("groups messages about one place and matter, and keeps other matters and places apart", () => {
    const messages = [
      msg("阳光花园小区的电梯停了三天，老人上下楼很困难，请尽快修电梯", 0),
      msg("阳光花园小区电梯又坏了，物业说没有配件，已经停运好几天", 1),
      msg("我们阳光花园小区3号楼电梯停运，希望督促物业维修电梯", 2),
      // Same estate, another matter.
      msg("阳光花园小区停车位收费太高，一个月要六百元，物业乱收费", 1),
      // Same matter, another road: two issues, not one.
      msg("幸福路的路灯坏了一个多月，晚上很黑，行人容易摔倒", 0),
      msg("幸福路路灯一直不亮，晚上走路很危险，请修一下路灯", 3),
      msg("和平路的路灯坏了一个多月，晚上很黑，行人容易摔倒", 2),
    ];
    const issues = findHotIssues(messages, reader, { top: 0, minLikes: 1 });
    const groups = issues.map((i) => i.ids.sort().join(" "));
    expect(groups).toContain("m1 m2 m3");
    expect(groups).toContain("m5 m6");
    expect(groups.some((g) => g.includes("m4"))).toBe(false);
    expect(groups.some((g) => g.includes("m7"))).toBe(false);
    const estate = issues.find((i) => i.ids.includes("m1"));
    expect(estate?.place).toBe("阳光花园小区");
    expect(estate?.rank).toBe(1);
  });

  it("keeps the same question from two 旗县区 apart", () => {
    const a = msg("咨询达拉特旗新生儿怎么办理城乡居民医疗保险，需要带什么材料", 0);
    const b = msg("达拉特旗新生儿办理城乡居民医疗保险需要什么材料？", 1);
    const c = msg("咨询松山区新生儿怎么办理城乡居民医疗保险，需要带什么材料", 1);
    const issues = findHotIssues([a, b, c], reader);
    expect(issues.map((i) => i.ids)).toEqual([[a.id, b.id]]);
  });

  it("links only messages within the time window", () => {
    const a = msg("红星小学门口早上接送孩子的车堵成一片，希望交警来疏导", 0);
    const b = msg("红星小学门口每天早上接送车辆堵车，请安排交警疏导交通", 40);
    expect(findHotIssues([a, b], reader, { windowDays: 30 })).toEqual([]);
    expect(findHotIssues([a, b], reader, { windowDays: 60 })[0]?.ids).toEqual([a.id, b.id]);
  });

  it("counts one citizen once, known by id or by writing the same text again", () => {
    const text = "宏远建筑公司拖欠我们农民工工资八个月，一共三十多万，老板躲着不见人";
    const byId = findHotIssues(
      [msg(text, 0, { citizen: "u1" }), msg(`${text}，再次反映`, 1, { citizen: "u1" })],
      reader,
    )[0];
    expect(byId?.citizens).toBe(1);
    const other = "宏远建筑公司拖欠工人工资已经八个月了，老板一直躲着不见，我们快过年了没钱回家";
    const anonymous = findHotIssues([msg(text, 0), msg(text, 1), msg(other, 2)], reader);
    expect(anonymous[0]?.messages).toBe(3);
    expect(anonymous[0]?.citizens).toBe(2);
  });

  it("finds with its blocks what comparing every pair finds", () => {
    const estates = ["阳光花园", "金桂家园", "翠湖小区", "幸福里社区", "东方明珠苑"];
    const matters = [
      "电梯停运好几天没人修，老人上下楼困难",
      "楼下烧烤店油烟很大，晚上吵到半夜",
      "小区门口的垃圾站一直不清运，臭气熏天",
      "物业把绿地改成停车位出租，业主不同意",
    ];
    const messages: HotMessage[] = [];
    let day = 0;
    for (let round = 0; round < 6; round++)
      for (const [e, estate] of estates.entries())
        for (const [m, matter] of matters.entries()) {
          if ((round + e + m) % 3 === 0) continue;
          day += 0.3;
          messages.push(msg(`${estate}${matter}，第${round + 1}次反映，请相关部门处理`, day));
        }
    const blocked = findHotIssues(messages, reader, { top: 0 });
    const everyPair = findHotIssues(messages, reader, {
      top: 0,
      rareWords: 1_000_000,
      neighbours: 1_000_000,
    });
    expect(blocked.length).toBeGreaterThan(5);
    expect(blocked.map((i) => i.ids.join(" ")).sort()).toEqual(everyPair.map((i) => i.ids.join(" ")).sort());
  });

  it("sums an issue up in one line with ID and phone numbers masked", () => {
    expect(summaryOf({ title: "电梯坏了，联系电话13812345678", text: "" })).toBe(
      "电梯坏了，联系电话138******78",
    );
    expect(summaryOf({ title: null, text: "身份证110105199003071234的老人。低保没有发" })).toBe(
      "身份证110*************34的老人",
    );
  });
});
