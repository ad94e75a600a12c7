/**
 * How hot issues scale: `npx tsx bench/hotspots.ts [sizes…]` (default 10000 100000).
 *
 * Invented messages (never real letters): a year of letters about estates, schools, roads, firms and villages
 * whose number grows with the corpus, each about one of a few dozen matters in varied words, some in bursts
 * (several citizens on one matter within days) and the rest scattered. The corpus for 100k has ten times the
 * places and ten times the letters of the one for 10k, in the same year, so its blocks are as dense or denser.
 * Prints the time of findHotIssues (reading, blocking, comparing, grouping) per size and the ratio between the
 * largest and the smallest; the goal is at most about 15× for 10× the messages. Not a test: the machine is shared.
 */
import { findHotIssues, type HotMessage } from "../handoff/hot-issues.js";
import { createNormaliser } from "../intents/normalise.js";
import { createSegmenter } from "../intents/segmenter.js";

const SYLLABLES =
  "安宁康泰和平幸福阳光金桂翠湖东方明珠红星青山绿水长江黄河星沙天河锦绣华府新世纪龙湾凤凰桃源春晖".split("");
const KINDS = ["小区", "花园", "家园", "小学", "中学", "路", "大道", "建筑公司", "物流公司", "村"];
const MATTERS = [
  ["电梯停运好几天没人修", "老人上下楼很困难", "物业说在等配件"],
  ["楼下烧烤店油烟很大", "晚上吵到半夜", "窗户都不敢开"],
  ["垃圾站一直不清运", "臭味很大", "夏天苍蝇很多"],
  ["拖欠工人工资好几个月", "老板躲着不见", "快过年了没钱回家"],
  ["路灯坏了一个多月", "晚上很黑", "行人容易摔倒"],
  ["门口早上接送孩子堵车", "希望交警来疏导", "孩子上学经常迟到"],
  ["工地晚上施工噪音大", "影响休息", "多次打电话没人管"],
  ["自来水发黄有异味", "不敢喝", "希望检测水质"],
  ["停车位收费太高", "一个月要六百", "物业乱收费"],
  ["路面坑洼积水", "车辆难以通行", "雨天更严重"],
  ["暖气不热", "室内只有十几度", "老人孩子受不了"],
  ["占道经营", "人行道被占满", "出行很不方便"],
  ["违章搭建", "挡住采光", "城管来了也没用"],
  ["学生被强制补课收费", "家长负担重", "希望教育局查处"],
  ["公交车班次太少", "等车要一个小时", "希望增加班次"],
  ["村里土地被占用", "补偿款没发", "村民意见很大"],
];
const FILLERS = [
  "请相关部门尽快处理",
  "已经反映过多次",
  "希望领导重视",
  "谢谢",
  "这个问题存在很久了",
  "大家都很着急",
  "恳请帮助解决",
  "盼复",
];

/** A deterministic pseudo-random generator, so that every run measures the same corpus. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function corpus(size: number, seed = 1): HotMessage[] {
  const r = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const placeCount = Math.max(50, Math.round(size / 20));
  const places = Array.from({ length: placeCount }, (_, k) => {
    const name = `${pick(SYLLABLES)}${pick(SYLLABLES)}${k % 7 === 0 ? pick(SYLLABLES) : ""}`;
    return `${name}${KINDS[k % KINDS.length]}`;
  });
  const year = 365 * 86_400_000;
  const start = Date.parse("2025-01-01T00:00:00+08:00");
  const out: HotMessage[] = [];
  let id = 0;
  while (out.length < size) {
    const place = pick(places);
    const matter = pick(MATTERS);
    const at = start + r() * year;
    // A third of the matters come as a burst of citizens within days; the rest are single letters.
    const burst = r() < 0.33 ? 2 + Math.floor(r() * 6) : 1;
    for (let b = 0; b < burst && out.length < size; b++) {
      const clauses = [...matter].sort(() => r() - 0.5).slice(0, 2 + Math.floor(r() * 2));
      out.push({
        id: `b${++id}`,
        title: `${place}${clauses[0]}`,
        text: `${place}${clauses.join("，")}，${pick(FILLERS)}。`,
        time: at + r() * 5 * 86_400_000,
        citizen: `u${Math.floor(r() * size)}`,
        likes: r() < 0.05 ? Math.floor(r() * 50) : 0,
      });
    }
  }
  return out;
}

/** Times findHotIssues over each size and prints the ratio of the largest to the smallest (goal: at most 15x). */
export function benchHotspots(line: (s: string) => void, sizes: readonly number[] = [10_000, 100_000]) {
  const segmenter = createSegmenter();
  const normalise = createNormaliser();
  const reader = {
    normalise: (raw: string) => normalise(raw).text,
    tag: (t: string) => segmenter.tag(t),
    parts: (w: string) => segmenter.parts(w),
  };
  // Warm the segmenter and the JIT on a small corpus first.
  findHotIssues(corpus(2_000, 7), reader);
  const results: { size: number; ms: number; issues: number; biggest: number }[] = [];
  for (const size of sizes) {
    const messages = corpus(size);
    const t0 = performance.now();
    const issues = findHotIssues(messages, reader, { top: 0 });
    const ms = performance.now() - t0;
    results.push({ size, ms, issues: issues.length, biggest: Math.max(0, ...issues.map((i) => i.messages)) });
    line(
      `${String(size).padStart(7)} messages: ${(ms / 1000).toFixed(2)} s, ${issues.length} issues, the largest of ${
        results.at(-1)?.biggest
      } messages, ${((ms * 1000) / size).toFixed(0)} µs per message`,
    );
  }
  const small = results[0];
  const large = results.at(-1);
  if (small && large && large !== small)
    line(
      `hot issues over ${large.size} messages cost ${(large.ms / small.ms).toFixed(1)}x those over ${small.size} (${(
        large.size / small.size
      ).toFixed(0)}x the messages; goal: at most 15x)`,
    );
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ""))) {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  benchHotspots((s) => console.log(s), sizes.length ? sizes : undefined);
}
