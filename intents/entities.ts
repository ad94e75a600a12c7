import { PHONE_PATTERN } from "../core/redact.js";
import type { PlaceGazetteer, PlaceMatch } from "./places.js";
import type { Tokens } from "./vocabulary.js";

export interface MoneyAmount {
  text: string;
  yuan: number;
}

export interface Entities {
  places: PlaceMatch[];
  phones: string[];
  /** Only 18-digit numbers whose GB 11643 checksum is right. */
  idNumbers: string[];
  dates: string[];
  money: MoneyAmount[];
  caseNumbers: string[];
  /** A child's age in years, when the message states one (孩子三岁, 八个月的娃, 不到两岁): it decides custody. */
  childAge?: number;
}

export const ID_CANDIDATE_PATTERN = /(?<![\dx])\d{17}[\dx](?![\dx])/gi;
export const CASE_NUMBER_PATTERN = /\bsw-\d{4}-\d{6}\b/gi;

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = "10X98765432";

export function isValidIdNumber(id: string): boolean {
  if (!/^\d{17}[\dXx]$/.test(id)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(id[i]) * (ID_WEIGHTS[i] ?? 0);
  if (ID_CHECK[sum % 11] !== id[17]?.toUpperCase()) return false;
  const month = Number(id.slice(10, 12));
  const day = Number(id.slice(12, 14));
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

const DIGIT: Record<string, number> = {
  零: 0,
  〇: 0,
  一: 1,
  二: 2,
  两: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
};
const UNIT: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };

/** Chinese numerals up to 9999 per section, with 万/亿 sections: "三万五千" → 35000, "十二" → 12. */
export function parseChineseNumber(s: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  let total = 0;
  let section = 0;
  let digit = 0;
  let seen = false;
  for (const ch of s) {
    if (ch in DIGIT) {
      digit = DIGIT[ch] ?? 0;
      seen = true;
    } else if (ch in UNIT) {
      section += (digit || 1) * (UNIT[ch] ?? 1);
      digit = 0;
      seen = true;
    } else if (ch === "万" || ch === "亿") {
      total += (section + digit) * (ch === "万" ? 10_000 : 100_000_000);
      section = 0;
      digit = 0;
      seen = true;
    } else return undefined;
  }
  return seen ? total + section + digit : undefined;
}

const MONEY =
  /((?:\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千]+)(?:[万亿])?(?:[零〇一二两三四五六七八九十百千]+)?)\s*(元|块钱|块|万元|万块|万)/g;
const DATE =
  /(\d{4}年\d{1,2}月\d{1,2}[日号]|\d{4}-\d{1,2}-\d{1,2}|\d{4}\/\d{1,2}\/\d{1,2}|\d{1,2}月\d{1,2}[日号]|\d{4}年\d{1,2}月|今天|昨天|前天|上周|上个月|去年|前年)/g;

const CHILD = "(?:孩子|儿子|女儿|闺女|宝宝|娃娃?|小孩|孩)";
const NUMBER = "(\\d+|[一二两三四五六七八九十]+)";
/** Less than: 不到两岁 is under two. */
const SHORT_OF = "(不到|没到|未满|还没满|不满)?";
/** 孩子三岁半, 娃才八个月, 不到两岁的孩子, 一岁多的娃. */
const CHILD_AGE = new RegExp(
  `${CHILD}(?:今年|现在|才|刚|都|已经|快)?${SHORT_OF}(?:满)?${NUMBER}(周岁|岁|个多月|个月)(半|多)?|` +
    `${SHORT_OF}${NUMBER}(周岁|岁|个多月|个月)(半|多)?的?${CHILD}`,
);

function childAgeIn(text: string): number | undefined {
  const m = CHILD_AGE.exec(text);
  if (!m) return undefined;
  const [shortOf, num, unit, half] =
    m[1] !== undefined || m[2] !== undefined ? [m[1], m[2], m[3], m[4]] : [m[5], m[6], m[7], m[8]];
  const n = parseChineseNumber(num ?? "");
  if (n === undefined) return undefined;
  let years = unit?.includes("月") ? n / 12 : n;
  if (half) years += 0.5;
  if (shortOf) years -= 0.5;
  return Math.max(0, years);
}

function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

export function createEntityExtractor(places: PlaceGazetteer) {
  // Cheap tests first: most messages carry no number at all, and then most patterns need not run.
  const hasDigits = /\d/;
  const hasMoney = /[元块万]/;
  const hasDate = /[年月日号天周]|\d[-/]\d/;
  const hasAge = /岁|个多?月/;
  return (text: string, tokens?: Tokens): Entities => {
    const money: MoneyAmount[] = [];
    const digits = hasDigits.test(text);
    if (hasMoney.test(text)) {
      for (const m of text.matchAll(MONEY)) {
        const numText = m[1] ?? "";
        const unit = m[2] ?? "";
        let value = parseChineseNumber(numText.replace(/万$/, ""));
        if (value === undefined) continue;
        if (numText.endsWith("万") || unit.startsWith("万")) value *= 10_000;
        money.push({ text: m[0], yuan: value });
      }
    }
    const out: Entities = {
      places: places.find(text, tokens),
      phones: digits ? uniq([...text.matchAll(PHONE_PATTERN)].map((m) => m[0].replace(/[- ]/g, ""))) : [],
      idNumbers: digits
        ? uniq(
            [...text.matchAll(ID_CANDIDATE_PATTERN)].map((m) => m[0].toUpperCase()).filter(isValidIdNumber),
          )
        : [],
      dates: hasDate.test(text) ? uniq([...text.matchAll(DATE)].map((m) => m[0])) : [],
      money,
      caseNumbers: digits ? uniq([...text.matchAll(CASE_NUMBER_PATTERN)].map((m) => m[0].toUpperCase())) : [],
    };
    if (hasAge.test(text)) {
      const age = childAgeIn(text);
      if (age !== undefined) out.childAge = age;
    }
    return out;
  };
}

export type EntityExtractor = ReturnType<typeof createEntityExtractor>;
