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
