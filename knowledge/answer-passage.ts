/**
 * The sentence of a curated answer that a follow-up asks about (都过了一年了呢 → the sentence with 1年内, 要带什么材料
 * → the sentence naming the papers): quoted back instead of "the answer above says it", which left the citizen to find
 * it. Matched on two-character pieces that hold a content character, numbers written either way (一年 = 1年), a
 * number piece counting double; nothing is quoted when no sentence shares enough with the question.
 */
import { parseChineseNumber } from "../intents/entities.js";

/** Characters that make a piece about nothing in particular: particles, pronouns, the words of asking. */
const FUNCTION_CHARS = new Set(
  "了的吗呢吧啊呀嘛我你他她它们是能可以还要都也就不没有会在这那么怎咋啥什个说给让把被和跟对得去来到上下多少人该办".split(
    "",
  ),
);
/** A numeral counts as a number only before a unit: 一年, 三个月, 十五天 (not 一起, 一定). */
const NUMERAL_BEFORE_UNIT = /[一两二三四五六七八九十]+(?=个?(?:年|月|天|日|周|倍|万|千|元|级|岁))/g;
const PUNCTUATION = /[\s\p{P}\p{S}]+/gu;
/** Sentences end at 。；！？ and at line breaks; list markers ①② start their own. */
const SENTENCE = /[^。；！？\n①②③④⑤⑥⑦⑧⑨]+[。；！？]?/g;
/** Enough shared weight to quote: one number piece, or two content pieces. */
const MIN_SCORE = 2;

function numeralsToDigits(text: string): string {
  return text.replace(NUMERAL_BEFORE_UNIT, (n) => String(parseChineseNumber(n) ?? n));
}

function pieces(text: string): Map<string, number> {
  const clean = numeralsToDigits(text).replace(PUNCTUATION, " ");
  const out = new Map<string, number>();
  for (const run of clean.split(" ")) {
    const chars = [...run];
    for (let i = 0; i + 1 < chars.length; i++) {
      const a = chars[i] as string;
      const b = chars[i + 1] as string;
      if (FUNCTION_CHARS.has(a) && FUNCTION_CHARS.has(b)) continue;
      out.set(a + b, /\d/.test(a + b) ? 2 : 1);
    }
  }
  return out;
}

/** The answer's sentence the question asks about, trimmed; undefined when none shares enough with it. */
export function askedSentence(answer: string, question: string): string | undefined {
  const asked = pieces(question);
  if (asked.size === 0) return undefined;
  let best: string | undefined;
  let bestScore = 0;
  for (const m of answer.matchAll(SENTENCE)) {
    const sentence = m[0].trim();
    if (sentence.length < 6) continue;
    const own = pieces(sentence);
    let score = 0;
    for (const [p, w] of asked) if (own.has(p)) score += w;
    if (score > bestScore) {
      bestScore = score;
      best = sentence;
    }
  }
  return bestScore >= MIN_SCORE ? best : undefined;
}
