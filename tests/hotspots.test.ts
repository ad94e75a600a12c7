import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Config, parseConfig } from "../bot/config.js";
import { runCommand, tempDir, testAssistant } from "./helpers.js";
import { forEachStore, storeEnv } from "./stores.js";

/**
 * Invented work orders (times in China time) and one live complaint filed by a citizen through the chat:
 *  - 阳光花园小区's lift, four citizens in three days (the phone number in the titles must not be shown);
 *  - 宏远建筑公司's unpaid wages, two imported letters and the live complaint;
 *  - 幸福路's street lights, one citizen writing three times;
 *  - a single letter with many likes, and unrelated single letters;
 *  - the same lift a year earlier, outside any range asked about below.
 */
const ORDERS = [
  {
    id: "L-1",
    citizen: "u1",
    time: "2026-02-27 08:10:00",
    title: "阳光花园小区电梯停运三天没人修，电话13812345678",
    text: "阳光花园小区3号楼电梯停了三天，老人上下楼很困难，物业说在等配件。",
  },
  {
    id: "L-2",
    citizen: "u2",
    time: "2026/2/27 19:40:00",
    title: "阳光花园小区电梯停运，电话13812345678",
    text: "我们阳光花园小区的电梯又坏了，已经停运好几天，物业不管，请督促维修电梯。",
  },
  {
    id: "L-3",
    citizen: "u3",
    time: "2026-02-28 07:05",
    title: "阳光花园小区电梯坏了，电话13812345678",
    text: "阳光花园小区电梯停运，楼里有坐轮椅的老人，下不了楼，请尽快修电梯。",
  },
  {
    id: "L-4",
    citizen: "u4",
    time: "2026年3月1日 21:30",
    title: "再次反映阳光花园小区电梯停运，电话13812345678",
    text: "阳光花园小区电梯停了快一周了还没修好，物业一直拖，老人孩子上下楼太难。",
  },
  {
    id: "W-1",
    citizen: "u5",
    time: "2026-02-28 10:00:00",
    title: "宏远建筑公司拖欠农民工工资",
    text: "赤峰市松山区宏远建筑公司拖欠我们农民工工资八个月，老板躲着不见人，快过年了没钱回家。",
  },
  {
    id: "W-2",
    citizen: "u6",
    time: "2026-03-01 09:00:00",
    title: "宏远建筑公司欠薪",
    text: "宏远建筑公司拖欠工人工资已经八个月了，老板一直躲着不见，我们工地十几个人拿不到钱。",
  },
  {
    id: "S-1",
    citizen: "u7",
    time: "2026-02-20 20:00:00",
    title: "幸福路路灯不亮",
    text: "幸福路的路灯坏了一个多月，晚上很黑，行人容易摔倒。",
  },
  {
    id: "S-2",
    citizen: "u7",
    time: "2026-02-21 20:00:00",
    title: "幸福路路灯还是不亮",
    text: "幸福路路灯一直不亮，晚上走路很危险，请修一下路灯。",
  },
  {
    id: "S-3",
    citizen: "u7",
    time: "2026-02-22 23:30:00",
    title: "再次反映幸福路路灯不亮",
    text: "幸福路路灯坏了还没修，晚上一片漆黑，路灯什么时候能修好？",
  },
  {
    id: "K-1",
    citizen: "u8",
    time: "2026-02-25 12:00:00",
    title: "建议在青山公园增设儿童游乐设施",
    text: "青山公园没有儿童游乐设施，周末孩子没地方玩，建议增设滑梯秋千。",
    likes: 300,
  },
  {
    id: "N-1",
    citizen: "u9",
    time: "2026-02-26 15:00:00",
    title: "咨询新生儿医保办理",
    text: "孩子刚出生，新生儿城乡居民医疗保险在哪里办理？",
  },
  {
    id: "N-2",
    citizen: "u10",
    time: "2026-02-24 09:00:00",
    title: "红星小学门口早上堵车",
    text: "红星小学门口每天早上接送孩子的车堵成一片，希望交警来疏导。",
  },
  {
    id: "OLD-1",
    citizen: "u11",
    time: "2025-02-10 08:00:00",
    title: "阳光花园小区电梯停运",
    text: "阳光花园小区电梯停运两天了，请物业尽快维修电梯。",
  },
  {
    id: "OLD-2",
    citizen: "u12",
    time: "2025-02-11 08:00:00",
    title: "阳光花园小区电梯坏了",
    text: "阳光花园小区的电梯坏了，老人下不了楼，请督促维修电梯。",
  },
];

let tmp: ReturnType<typeof tempDir>;
let config: Config;
const run = (args: string[]) => runCommand(config, args);
let liveId = "";

forEachStore((store) => {
  beforeAll(async () => {
    tmp = tempDir();
    const target = await store.fresh();
    config = parseConfig(storeEnv(target));
    // A citizen files a complaint in the chat on 2026-03-02, 10:00 in Hohhot.
    const a = await testAssistant({ dbPath: target, now: () => new Date("2026-03-02T02:00:00Z") });
    const say = async (text: string) =>
      (await a.engine.handleMessage({ channel: "web", conversationId: "citizen-1", text })).replies
        .map((r) => r.text)
        .join("\n");
    await say("我要投诉");
    await say("赤峰市松山区宏远建筑公司拖欠我们工人工资八个月，老板躲着不见，工人们过年回不了家");
    await say("是的");
    await say("不清楚");
    await say("尽快把工资发给我们");
    await say("在这里回复");
    liveId = /SW-\d{4}-\d{6}/.exec(await say("确认提交"))?.[0] ?? "";
    await a.close();
    const file = join(tmp.dir, "orders.jsonl");
    writeFileSync(file, `${ORDERS.map((o) => JSON.stringify(o)).join("\n")}\n`);
    const imported = await run(["complaints", "import", file]);
    expect(imported.code).toBe(0);
  });
  afterAll(() => tmp.cleanup());

  interface Issue {
    rank: number;
    heat: number;
    from: string;
    to: string;
    place: string | null;
    summary: string;
    ids: string[];
  }

  const json = async (args: string[]): Promise<Issue[]> => {
    const r = await run(["hotspots", "--json", ...args]);
    expect(r.code).toBe(0);
    return JSON.parse(r.out) as Issue[];
  };

  describe("shouwang hotspots", () => {
    it("groups the messages about one matter, ranks them by heat and prints rank, heat, times, place, summary, ids", async () => {
      expect(liveId).toMatch(/^SW-2026-\d{6}$/);
      const issues = await json(["--from", "2026-02-01", "--to", "2026-03-31"]);
      for (const i of issues)
        expect(Object.keys(i)).toEqual(["rank", "heat", "from", "to", "place", "summary", "ids"]);
      expect(issues.map((i) => i.rank)).toEqual(issues.map((_, k) => k + 1));
      expect(issues.map((i) => i.heat)).toEqual([...issues.map((i) => i.heat)].sort((x, y) => y - x));

      const [lift, wages, ...rest] = issues;
      // Four citizens within three days: the hottest.
      expect(lift).toMatchObject({
        rank: 1,
        from: "2026-02-27T08:10:00+08:00",
        to: "2026-03-01T21:30:00+08:00",
        place: "阳光花园小区",
        ids: ["L-1", "L-2", "L-3", "L-4"],
      });
      expect(lift?.summary).toContain("阳光花园小区电梯");
      expect(lift?.summary).toContain("138******78");
      expect(lift?.summary).not.toContain("13812345678");
      // The live complaint joins the imported letters about the same firm.
      expect(wages).toMatchObject({ rank: 2, ids: ["W-1", "W-2", liveId] });
      expect(wages?.place).toContain("宏远");
      expect(wages?.to).toBe("2026-03-02T10:00:00+08:00");
      // One citizen three times is less hot than three citizens; the popular single letter is listed for its likes.
      const lights = rest.find((i) => i.ids.includes("S-1"));
      expect(lights?.ids).toEqual(["S-1", "S-2", "S-3"]);
      const liked = rest.find((i) => i.ids.includes("K-1"));
      expect(liked?.ids).toEqual(["K-1"]);
      // Letters about nothing else are not issues; last year's lift is outside the range.
      const listed = issues.flatMap((i) => i.ids);
      for (const id of ["N-1", "N-2", "OLD-1", "OLD-2"]) expect(listed).not.toContain(id);
      expect(new Set(listed).size).toBe(listed.length);
    });

    it("reads --from and --to as China dates, --to including its whole day, and --top", async () => {
      // 幸福路's last letter is at 23:30 on the 22nd, China time (15:30 UTC).
      const lights = await json(["--from", "2026-02-20", "--to", "2026-02-22"]);
      expect(lights.map((i) => i.ids)).toEqual([["S-1", "S-2", "S-3"]]);
      const cut = await json(["--from", "2026/2/20", "--to", "2026-02-22 23:00"]);
      expect(cut.map((i) => i.ids)).toEqual([["S-1", "S-2"]]);
      expect(await json(["--top", "1"])).toHaveLength(1);
      // The whole history: last year's lift is an issue of its own, not part of this year's.
      const all = await json([]);
      expect(all.map((i) => i.ids)).toContainEqual(["OLD-1", "OLD-2"]);
    });

    it("prints a readable list on a terminal", async () => {
      const r = await run(["hotspots", "--top", "2", "--from", "2026-02-01"]);
      expect(r.code).toBe(0);
      const lines = r.out.split("\n");
      expect(lines[0]).toContain("hot issues over 13 messages (12 imported, 1 live)");
      expect(lines[1]).toMatch(
        /^ 1\. heat \d+\.\d\d {2}4 messages, 4 citizens {2}2026-02-27 08:10 — 2026-03-01 21:30 {2}阳光花园小区$/,
      );
      expect(lines[2]).toContain("138******78");
      expect(lines[3]).toBe("    ids: L-1, L-2, L-3, L-4");
      expect(r.out).toContain(` 2. heat`);
    });

    it("refuses an unknown date, an empty range or a bad --top with a clear message", async () => {
      const bad = await run(["hotspots", "--from", "yesterday"]);
      expect(bad.code).toBe(2);
      expect(bad.err).toContain('--from: unknown date format "yesterday"');
      const empty = await run(["hotspots", "--from", "2026-03-01", "--to", "2026-02-01"]);
      expect(empty.code).toBe(2);
      expect(empty.err).toContain("empty range: --from 2026-03-01 is not before --to 2026-02-01");
      const top = await run(["hotspots", "--top", "0"]);
      expect(top.code).toBe(2);
      expect(top.err).toContain('--top must be a whole number from 1 to 1000, not "0"');
      const nothing = await run(["hotspots", "--json", "--from", "2030-01-01"]);
      expect(nothing.code).toBe(0);
      expect(JSON.parse(nothing.out)).toEqual([]);
      expect(nothing.err).toContain("no messages in that range");
    });
  });
});
