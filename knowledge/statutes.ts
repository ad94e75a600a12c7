import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { projectPath } from "../core/paths.js";
import { parseChineseNumber } from "../intents/entities.js";
import { toChineseNumber } from "./chinese-numerals.js";

/** The statute texts shipped with the product (source and versions in its README.md). */
export const DEFAULT_LAWS_DIR = projectPath("knowledge", "laws");

export interface Article {
  /** The law's full title, e.g. 中华人民共和国民法典. */
  law: string;
  version: string;
  /** 1079 for 第一千零七十九条. */
  number: number;
  /** 1 for 第十七条之一, 0 otherwise. */
  sub: number;
  /** As the statute writes it: 第一千零七十九条, 第十七条之一. */
  label: string;
  /** The headings above the article (编, 章, 节), joined. */
  chapter: string;
  /** Paragraphs (款) in order. */
  paragraphs: string[];
}

export interface Law {
  title: string;
  /** The title without 中华人民共和国, as people say it: 民法典, 劳动合同法. */
  short: string;
  version: string;
  files: string[];
  articles: Article[];
}

export interface RepealedLaw {
  title: string;
  replacedBy: string;
}

/**
 * Laws a curator or a citizen may still name but that are no longer in force: a citation of one is refused. Kept by
 * hand from the corpus README and the Civil Code's article 1260.
 */
const REPEALED: readonly RepealedLaw[] = [
  { title: "中华人民共和国婚姻法", replacedBy: "中华人民共和国民法典" },
  { title: "中华人民共和国继承法", replacedBy: "中华人民共和国民法典" },
  { title: "中华人民共和国民法通则", replacedBy: "中华人民共和国民法典" },
  { title: "中华人民共和国收养法", replacedBy: "中华人民共和国民法典" },
  { title: "中华人民共和国担保法", replacedBy: "中华人民共和国民法典" },
  { title: "中华人民共和国合同法", replacedBy: "中华人民共和国民法典" },
  { title: "中华人民共和国物权法", replacedBy: "中华人民共和国民法典" },
  { title: "中华人民共和国侵权责任法", replacedBy: "中华人民共和国民法典" },
  { title: "中华人民共和国民法总则", replacedBy: "中华人民共和国民法典" },
  { title: "信访条例", replacedBy: "信访工作条例" },
  { title: "法律援助条例", replacedBy: "中华人民共和国法律援助法" },
];

/**
 * Texts in the corpus that have since been revised: an article number or wording from the old text may be wrong,
 * so a citation of one is refused until the current text is added.
 */
const OUTDATED: readonly { title: string; revised: string }[] = [
  { title: "婚姻登记条例", revised: "2025年修订（国务院令第804号，2025年5月10日起施行）" },
];

const IndexFile = z.array(
  z.object({ file: z.string(), title: z.string(), version: z.string(), articles: z.number() }),
);

const ARTICLE_HEAD = /^第([零〇一二三四五六七八九十百千]+)条(?:之([一二三四五六七八九十]+))?[ \u3000]+(.*)$/;
const HEADING = /^(#{2,4})\s+(.*)$/;

const shortTitle = (title: string): string => title.replace(/^中华人民共和国/, "");

function parseLawFile(text: string, title: string, version: string): Article[] {
  const articles: Article[] = [];
  const body = text.split("<!-- INFO END -->")[1] ?? text;
  const headings: string[] = [];
  let current: Article | undefined;
  for (const rawLine of body.split("\n")) {
    const line = rawLine.trim();
    if (line === "") continue;
    const heading = HEADING.exec(line);
    if (heading) {
      const depth = (heading[1] as string).length - 2;
      headings.length = depth;
      headings[depth] = (heading[2] as string).replace(/\s+/g, " ");
      current = undefined;
      continue;
    }
    const head = ARTICLE_HEAD.exec(line);
    if (head) {
      const number = parseChineseNumber(head[1] as string);
      if (number === undefined) continue;
      const sub = head[2] ? (parseChineseNumber(head[2]) ?? 0) : 0;
      current = {
        law: title,
        version,
        number,
        sub,
        label: `第${head[1]}条${head[2] ? `之${head[2]}` : ""}`,
        chapter: headings.filter(Boolean).join(" "),
        paragraphs: [head[3] as string],
      };
      articles.push(current);
      continue;
    }
    if (current && !line.startsWith("#") && !line.startsWith("<!--")) current.paragraphs.push(line);
  }
  return articles;
}

export interface ArticleRef {
  number: number;
  sub: number;
  /** 第X条第Y款: the paragraph asked for (1-based), when one is. */
  paragraph?: number;
}

/** 1079, "1079", "第一千零七十九条", "第十七条之一", "第二十七条第二款" → a reference; undefined when unreadable. */
export function parseArticleRef(text: string | number): ArticleRef | undefined {
  if (typeof text === "number")
    return Number.isInteger(text) && text > 0 ? { number: text, sub: 0 } : undefined;
  const s = text.trim();
  if (/^\d+$/.test(s)) return parseArticleRef(Number(s));
  const m =
    /^第?([零〇一二三四五六七八九十百千]+|\d+)条(?:之([一二三四五六七八九十]+))?(?:第([一二三四五六七八九十]+)款)?$/.exec(
      s,
    );
  if (!m) return undefined;
  const raw = m[1] as string;
  const number = /^\d+$/.test(raw) ? Number(raw) : parseChineseNumber(raw);
  if (!number) return undefined;
  const sub = m[2] ? (parseChineseNumber(m[2]) ?? 0) : 0;
  const paragraph = m[3] ? parseChineseNumber(m[3]) : undefined;
  return paragraph ? { number, sub, paragraph } : { number, sub };
}

export const articleLabel = (number: number, sub = 0): string =>
  `第${toChineseNumber(number)}条${sub > 0 ? `之${toChineseNumber(sub)}` : ""}`;

export interface StatuteCorpus {
  readonly laws: readonly Law[];
  readonly articleCount: number;
  /** By full title, short title (民法典) or a unique part of either; undefined when none or several fit. */
  law(name: string): Law | undefined;
  article(lawName: string, ref: string | number): Article | undefined;
  repealed(name: string): RepealedLaw | undefined;
  /** How a law in the corpus was revised after its text here was taken, when it was. */
  outdated(name: string): string | undefined;
}

export function loadStatutes(dir: string = DEFAULT_LAWS_DIR): StatuteCorpus {
  const index = IndexFile.parse(JSON.parse(readFileSync(join(dir, "index.json"), "utf8")));
  const byTitle = new Map<string, Law>();
  for (const row of index) {
    const text = readFileSync(join(dir, row.file), "utf8");
    const articles = parseLawFile(text, row.title, row.version);
    const law = byTitle.get(row.title);
    if (law) {
      law.files.push(row.file);
      law.articles.push(...articles);
    } else {
      byTitle.set(row.title, {
        title: row.title,
        short: shortTitle(row.title),
        version: row.version,
        files: [row.file],
        articles,
      });
    }
  }
  const laws = [...byTitle.values()];
  for (const law of laws) law.articles.sort((a, b) => a.number - b.number || a.sub - b.sub);
  const articleKey = (a: { number: number; sub: number }) => a.number * 100 + a.sub;
  const articleMaps = new Map(laws.map((l) => [l.title, new Map(l.articles.map((a) => [articleKey(a), a]))]));
  const clean = (name: string) => name.trim().replace(/[《》〈〉\s]/g, "");

  // Titles of judicial interpretations hold 《》 themselves: compared with and without them alike.
  const cleanTitles = new Map(laws.map((l) => [clean(l.title), l]));
  const findLaw = (name: string): Law | undefined => {
    const exactTitle = byTitle.get(name.trim());
    if (exactTitle) return exactTitle;
    const n = clean(name);
    if (n === "") return undefined;
    const exact = cleanTitles.get(n) ?? laws.find((l) => l.short === n || l.short === shortTitle(n));
    if (exact) return exact;
    const partial = laws.filter((l) => clean(l.title).includes(n));
    return partial.length === 1 ? partial[0] : undefined;
  };

  return {
    laws,
    articleCount: laws.reduce((s, l) => s + l.articles.length, 0),
    law: findLaw,
    article(lawName, ref) {
      const law = findLaw(lawName);
      const r = parseArticleRef(ref);
      if (!law || !r) return undefined;
      const article = articleMaps.get(law.title)?.get(articleKey(r));
      if (!article) return undefined;
      // Numbered items (（一）…) are parts of a paragraph, not paragraphs (款) of their own.
      const paragraphs = article.paragraphs.filter((p) => !p.startsWith("（")).length;
      if (r.paragraph !== undefined && r.paragraph > paragraphs) return undefined;
      return article;
    },
    outdated(name) {
      const title = findLaw(name)?.title;
      return OUTDATED.find((o) => o.title === title)?.revised;
    },
    repealed(name) {
      const n = clean(name);
      return REPEALED.find((r) => r.title === n || shortTitle(r.title) === shortTitle(n));
    },
  };
}
