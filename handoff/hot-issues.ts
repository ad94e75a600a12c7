import { maskPersonalNumbers } from "../core/redact.js";
import {
  findCounties,
  findLocalPlaces,
  type LocalPlace,
  placeBlocks,
  samePlace,
} from "../intents/local-places.js";
import type { TaggedWord } from "../intents/segmenter.js";
import {
  BOILERPLATE,
  CONTENT_WORD,
  centralOf,
  compatible,
  cosine,
  DisjointSets,
  distinctCitizens,
  type Features,
  placeOf,
  SKIP_TAGS,
} from "./hot-issue-similarity.js";

/**
 * Hot issues (热点问题): messages about the same matter grouped into issues and ranked by how hot they are.
 *
 * Same matter = the same named local place (小区, school, road, company, village: intents/local-places.ts) and
 * similar content, within a time window. Content is compared as TF-IDF vectors of jieba words (title words
 * counted twice; place names, particles, pronouns and the boilerplate of letters left out), by cosine. Two
 * messages are linked when they are at most `windowDays` apart and
 *   - they name a place in common and their cosine is at least `samePlace` (0.15 by default), or
 *   - one of them names no place and their cosine is at least `sameText` (0.4).
 * Messages that name only different places are never linked, nor are messages that name different 旗县区. Links are taken strongest first, and two groups
 * whose places are all different are never joined, not even through a message that names no place. Issues are
 * the groups that remain.
 *
 * Not every pair is compared: candidates share a block, a named place (or the end of one: 恒大翡翠华庭 and
 * 翡翠华庭) or one of the `rareWords` rarest words of either message, and within a block each message is compared
 * with the next `neighbours` messages in time inside the window only. The work is therefore at most about
 * N × (places + rareWords) × neighbours cosines: linear in the number of messages.
 *
 * Heat (documented in README, "Hot issues"):
 *   heat = (C + 0.25·(N − C) + 0.5·ln(1 + L)) × (1 + (1 − 1/N) / (1 + D/7))
 * N messages, C distinct citizens, L likes in all, D days from the first message to the last. Each citizen counts
 * fully, a citizen's further messages a quarter; likes count on a log scale (a thousand likes weigh about 3.5
 * citizens). The second factor is the concentration in time: 1 for a single message, and for many messages
 * close to 2 when they all came within a day, 1.5 when spread over a week, towards 1 over months. When a
 * message does not say who wrote it, a message nearly identical to another of the same issue (cosine ≥ 0.9) is
 * taken as the same citizen writing again. An issue of one message is listed only when it has at least
 * `minLikes` likes.
 */

export interface HotMessage {
  id: string;
  title?: string | null;
  text: string;
  /** Milliseconds since the epoch. */
  time: number;
  /** Who wrote it, when known (a user id, a conversation); unknown citizens are told apart by their text. */
  citizen?: string | null;
  likes?: number;
  /** A place known otherwise (given in the import, or the gazetteer's 旗县区), shown when no local place is named. */
  place?: string | null;
}

export interface HotIssue {
  rank: number;
  heat: number;
  /** First and last message, milliseconds since the epoch. */
  from: number;
  to: number;
  /** The local place most of its messages name, else the place they were filed under; null when neither. */
  place: string | null;
  /** The most central message's title or first clause, ID and phone numbers masked. */
  summary: string;
  /** Message ids, oldest first. */
  ids: string[];
  messages: number;
  citizens: number;
  likes: number;
}

export interface HotIssueOptions {
  windowDays: number;
  samePlace: number;
  sameText: number;
  /** Rarest words per message used as blocks. */
  rareWords: number;
  /** Messages after each one, in time, compared within a block. */
  neighbours: number;
  /** A single message is an issue worth listing only with at least this many likes. */
  minLikes: number;
  top: number;
}

export const DEFAULT_HOT_ISSUE_OPTIONS: HotIssueOptions = {
  windowDays: 30,
  samePlace: 0.15,
  sameText: 0.4,
  rareWords: 6,
  neighbours: 25,
  minLikes: 20,
  top: 10,
};

/** What reading a message needs: the normaliser and the tagger of the live understanding. */
export interface HotIssueReader {
  normalise(raw: string): string;
  tag(text: string): TaggedWord[];
  /** The shorter words inside a compound (农民工工资 → 农民工, 工资), so that a paraphrase still shares them. */
  parts?(word: string): string[];
}

const DAY_MS = 86_400_000;
/** Words kept per message (ln(1 + N/df) weighting, see findHotIssues). */
const MAX_TERMS = 80;
/** Places remembered per group for the never-join check; a group naming more is about a wide area anyway. */
const MAX_GROUP_PLACES = 30;
/** A place name that ends this many other names is a kind (物流公司), see findHotIssues. */
const GENERIC_ENDINGS = 3;

/** Heat of an issue; see the module comment. */
export function heatOf(messages: number, citizens: number, likes: number, days: number): number {
  const volume = citizens + 0.25 * (messages - citizens) + 0.5 * Math.log1p(Math.max(0, likes));
  const n = Math.max(1, messages);
  return volume * (1 + (1 - 1 / n) / (1 + Math.max(0, days) / 7));
}

/** A summary line: the title, or the text's first clause, at most `max` characters, personal numbers masked. */
export function summaryOf(m: Pick<HotMessage, "title" | "text">, max = 40): string {
  const title = (m.title ?? "").trim();
  const source = title || (m.text.split(/[。！？!?；;\n]/).find((c) => c.trim().length >= 4) ?? m.text);
  const one = maskPersonalNumbers(source.replace(/\s+/g, " ").trim());
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** Groups the messages into issues and ranks them by heat, hottest first (all of them when `top` is 0). */
export function findHotIssues(
  messages: readonly HotMessage[],
  reader: HotIssueReader,
  options: Partial<HotIssueOptions> = {},
): HotIssue[] {
  const o = { ...DEFAULT_HOT_ISSUE_OPTIONS, ...options };
  const n = messages.length;
  if (n === 0) return [];
  const order = [...messages.keys()].sort((a, b) => (messages[a]?.time ?? 0) - (messages[b]?.time ?? 0));
  const sorted = order.map((i) => messages[i] as HotMessage);

  // Words and places of each message, then TF-IDF over this set of messages.
  const vocabulary = new Map<string, number>();
  const df: number[] = [];
  const counts: Map<number, number>[] = [];
  const placesOf: LocalPlace[][] = [];
  const titledOf: number[] = [];
  const countiesOf: string[][] = [];
  for (const m of sorted) {
    const title = m.title ? reader.normalise(m.title) : "";
    const body = reader.normalise(m.text);
    const titleWords = title ? reader.tag(title) : [];
    const bodyWords = reader.tag(body);
    const tf = new Map<number, number>();
    const count = (word: string, weight: number) => {
      let id = vocabulary.get(word);
      if (id === undefined) {
        id = vocabulary.size;
        vocabulary.set(word, id);
        df.push(0);
      }
      tf.set(id, (tf.get(id) ?? 0) + weight);
    };
    const add = (w: TaggedWord, weight: number, k: number, names: Set<number>) => {
      if (names.has(k) || SKIP_TAGS.has(w.tag) || !CONTENT_WORD.test(w.word) || BOILERPLATE.has(w.word))
        return;
      count(w.word, weight);
      if (w.word.length >= 3 && reader.parts)
        for (const part of reader.parts(w.word)) if (!BOILERPLATE.has(part)) count(part, weight / 2);
    };
    // Place names are compared as places (same place or not), not as words: left out of the content.
    const titleNames = new Set<number>();
    const bodyNames = new Set<number>();
    const places = findLocalPlaces(titleWords, titleNames);
    titledOf.push(places.length);
    for (const p of findLocalPlaces(bodyWords, bodyNames))
      if (!places.some((q) => q.key === p.key)) places.push(p);
    placesOf.push(places);
    const counties = new Set([...findCounties(titleWords), ...findCounties(bodyWords)]);
    if (m.place && /[县区旗]$/.test(m.place)) counties.add(m.place);
    countiesOf.push([...counties]);
    for (const [k, w] of titleWords.entries()) add(w, 2, k, titleNames);
    for (const [k, w] of bodyWords.entries()) add(w, 1, k, bodyNames);
    for (const id of tf.keys()) df[id] = (df[id] ?? 0) + 1;
    counts.push(tf);
  }
  // A name that ends three or more different names is a kind of place in this corpus, not a place: "物流公司"
  // next to 春龙物流公司 and 沙光物流公司, "人民医院" next to 第一人民医院 and 第二人民医院. Left out, it would
  // join every one of them.
  const endings = new Map<string, Set<string>>();
  for (const places of placesOf)
    for (const p of places)
      for (const b of placeBlocks(p).slice(1)) {
        const set = endings.get(b) ?? new Set<string>();
        if (set.size < GENERIC_ENDINGS) set.add(p.core);
        endings.set(b, set);
      }
  const generic = (p: LocalPlace) => (endings.get(p.key)?.size ?? 0) >= GENERIC_ENDINGS;
  for (let i = 0; i < placesOf.length; i++) {
    const places = placesOf[i] as LocalPlace[];
    if (!places.some(generic)) continue;
    const kept = places.filter((p) => !generic(p));
    titledOf[i] = places.slice(0, titledOf[i]).filter((p) => !generic(p)).length;
    placesOf[i] = kept;
  }

  const features: Features[] = counts.map((tf, i) => {
    // A long letter keeps its MAX_TERMS weightiest words: the cosine hardly moves, and stays cheap.
    let entries = [...tf].map(
      ([id, c]) => [id, (1 + Math.log(c)) * Math.log(1 + n / (df[id] ?? 1))] as const,
    );
    if (entries.length > MAX_TERMS)
      entries = entries.sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, MAX_TERMS);
    entries = entries.sort((a, b) => a[0] - b[0]);
    const terms = new Int32Array(entries.length);
    const weights = new Float32Array(entries.length);
    let norm = 0;
    entries.forEach(([id, w], k) => {
      terms[k] = id;
      weights[k] = w;
      norm += w * w;
    });
    norm = Math.sqrt(norm) || 1;
    for (let k = 0; k < weights.length; k++) weights[k] = (weights[k] as number) / norm;
    return {
      terms,
      weights,
      places: placesOf[i] ?? [],
      titled: titledOf[i] ?? 0,
      counties: countiesOf[i] ?? [],
    };
  });

  // Blocks: each named place, and each message's rarest words (held by at least two messages). Each message
  // remembers where it stands in each of its blocks; the lists are in time order, as messages are numbered.
  const blockIds = new Map<string, number>();
  const lists: number[][] = [];
  const memberships: number[][] = features.map(() => []);
  const enter = (key: string, i: number) => {
    let b = blockIds.get(key);
    if (b === undefined) {
      b = lists.length;
      blockIds.set(key, b);
      lists.push([]);
    }
    const list = lists[b] as number[];
    if (list[list.length - 1] === i) return;
    (memberships[i] as number[]).push(b, list.length);
    list.push(i);
  };
  features.forEach((f, i) => {
    for (const p of f.places)
      for (const b of placeBlocks(p))
        if (b === p.key || (endings.get(b)?.size ?? 0) < GENERIC_ENDINGS) enter(`p:${b}`, i);
    const rare = [...f.terms]
      .filter((id) => (df[id] ?? 0) >= 2)
      .sort((a, b) => (df[a] ?? 0) - (df[b] ?? 0) || a - b)
      .slice(0, o.rareWords);
    for (const id of rare) enter(`w:${id}`, i);
  });

  const window = o.windowDays * DAY_MS;
  const edges: { i: number; j: number; c: number }[] = [];
  const link = (i: number, j: number) => {
    const a = features[i] as Features;
    const b = features[j] as Features;
    if (!compatible(a.counties, b.counties)) return;
    const c = cosine(a, b);
    const linked =
      a.places.length === 0 || b.places.length === 0
        ? c >= o.sameText
        : a.places.some((p) => b.places.some((q) => samePlace(p, q))) && c >= o.samePlace;
    if (linked) edges.push({ i, j, c });
  };
  // Each message with the next `neighbours` of each of its blocks, within the window; a pair met in two blocks
  // is compared once (the stamp says which message last looked at j).
  const stamp = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const ti = sorted[i]?.time ?? 0;
    const m = memberships[i] as number[];
    for (let k = 0; k < m.length; k += 2) {
      const list = lists[m[k] as number] as number[];
      const at = m[k + 1] as number;
      const last = Math.min(list.length - 1, at + o.neighbours);
      for (let y = at + 1; y <= last; y++) {
        const j = list[y] as number;
        if ((sorted[j]?.time ?? 0) - ti > window) break;
        if (stamp[j] === i) continue;
        stamp[j] = i;
        link(i, j);
      }
    }
  }

  // Strongest links first; two groups that name only different places are never joined, not even through a
  // message that names none (which would otherwise chain every 小区's lift complaints into one issue).
  edges.sort((x, y) => y.c - x.c || x.i - y.i || x.j - y.j);
  const sets = new DisjointSets(n);
  const placesOfGroup = new Map<number, LocalPlace[]>();
  const groupPlaces = (root: number) => placesOfGroup.get(root) ?? (features[root] as Features).places;
  const countiesOfGroup = new Map<number, string[]>();
  const groupCounties = (root: number) => countiesOfGroup.get(root) ?? (features[root] as Features).counties;
  for (const { i, j } of edges) {
    const ri = sets.find(i);
    const rj = sets.find(j);
    if (ri === rj) continue;
    const pi = groupPlaces(ri);
    const pj = groupPlaces(rj);
    if (pi.length > 0 && pj.length > 0 && !pi.some((p) => pj.some((q) => samePlace(p, q)))) continue;
    const ci = groupCounties(ri);
    const cj = groupCounties(rj);
    if (!compatible(ci, cj)) continue;
    sets.union(ri, rj);
    const merged = [...pi];
    for (const q of pj)
      if (merged.length < MAX_GROUP_PLACES && !merged.some((p) => p.key === q.key)) merged.push(q);
    placesOfGroup.set(sets.find(ri), merged);
    countiesOfGroup.set(sets.find(ri), [...new Set([...ci, ...cj])].slice(0, MAX_GROUP_PLACES));
  }

  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const r = sets.find(i);
    const g = groups.get(r);
    if (g) g.push(i);
    else groups.set(r, [i]);
  }

  const issues: Omit<HotIssue, "rank">[] = [];
  for (const members of groups.values()) {
    const first = sorted[members[0] as number] as HotMessage;
    const last = sorted[members[members.length - 1] as number] as HotMessage;
    const likes = members.reduce((s, i) => s + Math.max(0, sorted[i]?.likes ?? 0), 0);
    if (members.length === 1 && likes < o.minLikes) continue;
    const citizens = distinctCitizens(members, sorted, features);
    const days = (last.time - first.time) / DAY_MS;
    const central = centralOf(members, features);
    issues.push({
      heat: Math.round(heatOf(members.length, citizens, likes, days) * 100) / 100,
      from: first.time,
      to: last.time,
      place: placeOf(members, central, sorted, features),
      summary: summaryOf(sorted[central] as HotMessage),
      ids: members.map((i) => sorted[i]?.id as string),
      messages: members.length,
      citizens,
      likes,
    });
  }
  issues.sort((a, b) => b.heat - a.heat || b.messages - a.messages || a.from - b.from);
  const ranked = issues.map((issue, k) => ({ rank: k + 1, ...issue }));
  return o.top > 0 ? ranked.slice(0, o.top) : ranked;
}
