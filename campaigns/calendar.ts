/**
 * Dates the 普法 calendar suggests to campaign authors: the national days and months when people expect legal
 * education, with the topics that fit them. China time; a date already past this year is suggested for next year.
 */
export interface CalendarDay {
  month: number;
  day: number;
  name: string;
  topics: readonly string[];
}

export const PUFA_CALENDAR: readonly CalendarDay[] = [
  { month: 3, day: 15, name: "3·15 国际消费者权益日", topics: ["consumer", "anti_fraud"] },
  { month: 4, day: 15, name: "4·15 全民国家安全教育日", topics: ["national_security", "anti_fraud"] },
  { month: 5, day: 1, name: "5月 民法典宣传月", topics: ["constitution", "family", "labour"] },
  { month: 12, day: 4, name: "12·4 国家宪法日", topics: ["constitution", "legal_aid"] },
];

export interface Suggestion {
  name: string;
  /** 09:00 China time on the day, as an instant. */
  sendAt: string;
  topics: readonly string[];
}

export function suggestDates(now: Date): Suggestion[] {
  const cst = new Date(now.getTime() + 8 * 3_600_000);
  const year = cst.getUTCFullYear();
  return PUFA_CALENDAR.map((d) => {
    let at = Date.UTC(year, d.month - 1, d.day, 1, 0);
    if (at <= now.getTime()) at = Date.UTC(year + 1, d.month - 1, d.day, 1, 0);
    return { name: d.name, sendAt: new Date(at).toISOString(), topics: d.topics };
  }).sort((a, b) => a.sendAt.localeCompare(b.sendAt));
}
