// The CJK Unified Ideographs block and Extension A: a code-point test is far cheaper than a Unicode regex per char.
const isHan = (c: number) => (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf);

/**
 * Words from jieba plus character bigrams of the Chinese text. Bigrams carry typos, unseen compounds and
 * half-remembered terms ("劳懂仲裁") that whole-word features would miss.
 */
export function textFeatures(words: readonly string[], text: string): string[] {
  const out: string[] = words.map((w) => `w:${w}`);
  for (let i = 0; i + 1 < text.length; i++) {
    if (isHan(text.charCodeAt(i)) && isHan(text.charCodeAt(i + 1))) out.push(`b:${text.slice(i, i + 2)}`);
  }
  return out;
}
