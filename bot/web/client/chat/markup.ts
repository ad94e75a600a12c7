// A reply's text as markup: escaped, hotline numbers as tel: links, case numbers kept whole, and an answer's
// 【title】 and its 【法律依据】/【去哪里办】 blocks set apart so the citation is easy to find on a phone.

const HOTLINE =
  /(?<![\d-])(110|120|12356|12348|12345|12315|12350|12333|96110|12338|12309|12368|12369|12393|12388)(?!\d)/g;
const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ENTITIES[c] as string);

// A case number never wraps at its hyphens, and one tap selects all of it for copying.
export const linkify = (s: string): string =>
  esc(s)
    .replace(HOTLINE, '<a href="tel:$1">$1</a>')
    .replace(/SW-\d{4}-\d{6}/g, '<span class="case-no">$&</span>');

// Each paragraph is its own block: blank lines between them would double the gaps under pre-wrap.
export const sections = (text: string): string =>
  text
    .split("\n\n")
    .map((part, i) => {
      const m = /^【([^】]{1,24})】\n?([\s\S]*)$/.exec(part);
      const body = m
        ? `<span class="head">${esc(m[1] as string)}</span>${linkify(m[2] as string)}`
        : linkify(part);
      return `<span class="part${m && i > 0 ? " sect" : ""}">${body}</span>`;
    })
    .join("");
