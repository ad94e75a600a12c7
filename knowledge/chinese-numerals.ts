const DIGITS: Record<string, number> = {
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
const UNITS: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };

/** 一千零七十九 → 1079, 十七 → 17; undefined for anything that is not a numeral below ten thousand. */
export function parseChineseNumber(text: string): number | undefined {
  if (text.length === 0) return undefined;
  let total = 0;
  let digit: number | undefined;
  for (const ch of text) {
    const d = DIGITS[ch];
    if (d !== undefined) {
      digit = d;
      continue;
    }
    const unit = UNITS[ch];
    if (unit === undefined) return undefined;
    total += (digit ?? 1) * unit;
    digit = undefined;
  }
  return total + (digit ?? 0);
}

const NUMERALS = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

/** 1079 → 一千零七十九, 17 → 十七, as statute article numbers are written. */
export function toChineseNumber(n: number): string {
  if (!Number.isInteger(n) || n <= 0 || n >= 10000) throw new RangeError(`no article number ${n}`);
  const parts: [number, string][] = [
    [1000, "千"],
    [100, "百"],
    [10, "十"],
    [1, ""],
  ];
  let out = "";
  let pendingZero = false;
  for (const [size, unit] of parts) {
    const d = Math.floor(n / size) % 10;
    if (d === 0) {
      if (out !== "") pendingZero = true;
      continue;
    }
    if (pendingZero) out += "零";
    pendingZero = false;
    // 十七, not 一十七, when ten leads; 一百一十 keeps its 一 inside.
    out += d === 1 && size === 10 && out === "" ? unit : `${NUMERALS[d]}${unit}`;
  }
  return out;
}
