import { $, say } from "../shared/dom.js";
import { refreshCampaigns } from "./campaigns.js";

export type Tab = "crisis" | "complaints" | "campaigns";

export function showTab(name: string): void {
  for (const v of ["crisis", "complaints", "campaigns"]) $(v).hidden = v !== name;
  if (name === "campaigns") refreshCampaigns().catch((err: Error) => say(err.message));
  for (const b of $("tabs").querySelectorAll("button"))
    b.setAttribute("aria-selected", String(b.dataset.tab === name));
}

/** The tab's button, whose label carries a waiting count. */
export const tabButton = (name: Tab): HTMLElement =>
  $("tabs").querySelector(`[data-tab=${name}]`) as HTMLElement;

$("tabs").addEventListener("click", (e) => {
  const b = (e.target as Element).closest<HTMLElement>("button[data-tab]");
  if (b) showTab(b.dataset.tab as string);
});
