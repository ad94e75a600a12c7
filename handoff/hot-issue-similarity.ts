import type { LocalPlace } from "../intents/local-places.js";

/**
 * How hot-issue grouping compares messages: the words that carry content, TF-IDF vectors and their cosine, and
 * the groups' members (how many distinct citizens, which message is central, which place they share).
 */

/** Two messages this close are the same citizen writing again, when no citizen id says otherwise. */
export const SAME_CITIZEN = 0.9;

/** Tags of words that carry no content of their own: particles, prepositions, pronouns, adverbs, numerals. */
export const SKIP_TAGS = new Set([
  "uj",
  "ul",
  "ug",
  "uz",
  "uv",
  "ud",
  "u",
  "p",
  "c",
  "r",
  "rr",
  "rz",
  "d",
  "f",
  "t",
  "tg",
  "q",
  "mq",
  "m",
  "y",
  "e",
  "o",
  "zg",
]);
/** What every letter to a government says; IDF would weigh them down, but they also make blocks useless. */
export const BOILERPLATE = new Set(
  (
    "您好 你好 领导 反映 问题 希望 相关 部门 相关部门 政府 解决 请问 谢谢 尽快 情况 有关 现在 目前 已经 " +
    "没有 一直 这个 那个 我们 你们 他们 他们 自己 什么 怎么 如何 为什么 是否 可以 能够 能否 应该 需要 " +
    "进行 给予 得到 要求 请求 建议 投诉 举报 咨询 处理 关注 重视 回复 答复 感谢 麻烦 帮助 帮忙 市民 " +
    "群众 老百姓 百姓 严重 非常 特别 很多 大量 存在 出现 发生 造成 导致 影响 认为 知道 表示 告知 网友 留言"
  ).split(" "),
);
export const CONTENT_WORD = /^[\p{Script=Han}a-z][\p{Script=Han}a-z0-9]+$/u;

export interface Features {
  /** Sorted term ids and their L2-normalised TF-IDF weights. */
  terms: Int32Array;
  weights: Float32Array;
  places: LocalPlace[];
  /** How many of `places` (the first ones) the title names: the title says what the message is about. */
  titled: number;
  /** The 旗县区 it names (or was filed under). */
  counties: string[];
}

/** Unknown counties agree with anything; known ones must share one. */
export const compatible = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === 0 || b.length === 0 || a.some((x) => b.includes(x));

export function cosine(a: Features, b: Features): number {
  const at = a.terms;
  const bt = b.terms;
  let i = 0;
  let j = 0;
  let dot = 0;
  while (i < at.length && j < bt.length) {
    const x = at[i] as number;
    const y = bt[j] as number;
    if (x === y) {
      dot += (a.weights[i] as number) * (b.weights[j] as number);
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return dot;
}

export class DisjointSets {
  private readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = new Int32Array(n);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }
  find(x: number): number {
    let r = x;
    while (this.parent[r] !== r) r = this.parent[r] as number;
    while (this.parent[x] !== r) {
      const next = this.parent[x] as number;
      this.parent[x] = r;
      x = next;
    }
    return r;
  }
  union(a: number, b: number) {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

/** Known citizens by id; a message without one is a new citizen unless it nearly repeats an earlier one. */
export function distinctCitizens(
  members: number[],
  sorted: readonly { citizen?: string | null | undefined }[],
  features: Features[],
): number {
  const known = new Set<string>();
  const anonymous: number[] = [];
  let count = 0;
  for (const i of members) {
    const who = sorted[i]?.citizen;
    if (who) {
      if (!known.has(who)) count++;
      known.add(who);
      continue;
    }
    // Compared with the last few anonymous messages only, so that a large issue costs no more than a small one.
    const repeat = anonymous
      .slice(-50)
      .some((j) => cosine(features[i] as Features, features[j] as Features) >= SAME_CITIZEN);
    if (!repeat) count++;
    anonymous.push(i);
  }
  return count;
}

/** The message closest to the centroid. */
export function centralOf(members: number[], features: Features[]): number {
  if (members.length <= 2) return members[0] as number;
  const centroid = new Map<number, number>();
  for (const i of members) {
    const f = features[i] as Features;
    for (let k = 0; k < f.terms.length; k++) {
      const t = f.terms[k] as number;
      centroid.set(t, (centroid.get(t) ?? 0) + (f.weights[k] as number));
    }
  }
  let best = members[0] as number;
  let bestScore = -1;
  for (const i of members) {
    const f = features[i] as Features;
    let s = 0;
    for (let k = 0; k < f.terms.length; k++)
      s += (f.weights[k] as number) * (centroid.get(f.terms[k] as number) ?? 0);
    if (s > bestScore) {
      bestScore = s;
      best = i;
    }
  }
  return best;
}

/**
 * The local place named by the most messages (a mention in a title counts one more), when at least two name it
 * or the issue is one message; else the place the messages were filed under; else the place in the title of the
 * most central message.
 */
export function placeOf(
  members: number[],
  central: number,
  sorted: readonly { place?: string | null | undefined }[],
  features: Features[],
): string | null {
  const byKey = new Map<string, { count: number; score: number; names: Map<string, number> }>();
  for (const i of members) {
    const f = features[i] as Features;
    f.places.forEach((p, k) => {
      const e = byKey.get(p.key) ?? { count: 0, score: 0, names: new Map<string, number>() };
      e.count++;
      e.score += k < f.titled ? 2 : 1;
      e.names.set(p.name, (e.names.get(p.name) ?? 0) + 1);
      byKey.set(p.key, e);
    });
  }
  let best: { count: number; score: number; names: Map<string, number> } | undefined;
  const enough = Math.min(2, members.length);
  for (const e of byKey.values())
    if (
      e.count >= enough &&
      (!best || e.score > best.score || (e.score === best.score && e.count > best.count))
    )
      best = e;
  if (best) {
    return [...best.names].sort((a, b) => b[1] - a[1] || b[0].length - a[0].length)[0]?.[0] ?? null;
  }
  const filed = new Map<string, number>();
  for (const i of members) {
    const p = sorted[i]?.place;
    if (p) filed.set(p, (filed.get(p) ?? 0) + 1);
  }
  const top = [...filed].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (top) return top;
  // Nothing in common: the place in the title of the message that sums the issue up, if it names one.
  const f = features[central] as Features;
  return f.titled > 0 ? (f.places[0]?.name ?? null) : null;
}
