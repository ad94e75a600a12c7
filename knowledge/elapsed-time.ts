/**
 * Whether a question says that time has passed since the matter began (「两年前」「去年」「三个月了」「2021年」),
 * so that a domain's time limit (诉讼时效, 工伤认定, 仲裁时效) is worth a warning. A bare 「明年」 or a future date is
 * not elapsed time.
 */
const ELAPSED = [
  /(\d{1,2}|[一二三四五六七八九十两半几好]+)\s*(多)?\s*(年|个月|个多月)(多)?\s*(了|前|以前|之前|过去|没|都|还)/,
  /(去年|前年|大前年|好几年|好多年|这些年|多年前|早些年)/,
  /(19|20)\d{2}\s*年/,
];

export function mentionsElapsedTime(text: string): boolean {
  return ELAPSED.some((re) => re.test(text));
}
