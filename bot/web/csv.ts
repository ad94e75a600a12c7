/**
 * CSV for the dashboard's exports, as Excel (the tool supervisors open them with) reads it: UTF-8 with a byte-order
 * mark, CRLF lines, every field quoted when it needs to be. A field that starts like a formula (= + - @) gets a
 * leading apostrophe, so a citizen's words can never run as a formula in the spreadsheet.
 */
export type CsvValue = string | number | null | undefined;

const field = (v: CsvValue): string => {
  if (v === null || v === undefined) return "";
  let s = String(v);
  if (typeof v === "string" && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return `\uFEFF${[header, ...rows].map((r) => r.map(field).join(",")).join("\r\n")}\r\n`;
}
