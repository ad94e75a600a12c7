/** The page's element with this id; the markup has every id the scripts use. */
export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el as T;
}

/** A new element with an optional class and text. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  cls?: string,
  text?: string | number | null,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = String(text);
  return e;
}

/** Shows a message in the page's #msg bar, or hides it when empty. */
export function say(text?: string): void {
  const msg = $("msg");
  msg.textContent = text || "";
  msg.hidden = !text;
}
