import { h } from "../shared/dom.js";

export const fmtTime = (iso: string | null | undefined): string => {
  const d = new Date(iso as string);
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleString("zh-CN", { hour12: false });
};
export const fmtDate = (iso: string | null | undefined): string => {
  const d = new Date(iso as string);
  return Number.isNaN(d.getTime()) ? "—" : d.toLocaleDateString("zh-CN");
};

/** Minutes and seconds since `iso`, as 05:07. */
export const since = (iso: string): string => {
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
};
export const tag = (text: string, cls?: string): HTMLSpanElement => h("span", `tag ${cls || ""}`, text);
export const pct = (x: number | null | undefined): string => (x == null ? "—" : `${Math.round(x * 100)}%`);
export const fixed = (x: number | null | undefined): string => (x == null ? "—" : Number(x).toFixed(1));
