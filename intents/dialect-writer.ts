/**
 * Many citizens here write 俺 for 我 (俺男人打俺, 不给俺饭吃). Patterns about harm done to the writer or a threat
 * the writer makes are written with 我; this lets them read 俺 too. Only those patterns: reading 俺 as 我 in the
 * whole text moved the model's reading of everyday questions (俺家的羊…) towards distress.
 */

/** `source` with every 我 outside a character class also matching 俺 (我 → [我俺]; classes are left as written). */
export function writerInDialect(source: string): string {
  let out = "";
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i] as string;
    if (ch === "\\") {
      out += ch + (source[i + 1] ?? "");
      i++;
      continue;
    }
    if (inClass) {
      if (ch === "]") inClass = false;
      out += ch;
      continue;
    }
    if (ch === "[") inClass = true;
    out += ch === "我" ? "[我俺]" : ch;
  }
  return out;
}
