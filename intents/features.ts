const HAN = /\p{Script=Han}/u;

/**
 * Words from jieba plus character bigrams of the Chinese text. Bigrams carry typos, unseen compounds and
 * half-remembered terms ("劳懂仲裁") that whole-word features would miss.
 */
export function textFeatures(words: readonly string[], text: string): string[] {
  const out: string[] = words.map((w) => `w:${w}`);
  let prev = "";
  for (const ch of text) {
    if (HAN.test(ch)) {
      if (prev) out.push(`b:${prev}${ch}`);
      prev = ch;
    } else prev = "";
  }
  return out;
}
