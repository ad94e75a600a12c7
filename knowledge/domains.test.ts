import { describe, expect, it } from "vitest";
import { loadDispatchCatalogue } from "../handoff/dispatch.js";
import { loadDomains } from "./domains.js";
import { readKnowledge } from "./load.js";
import { loadStatutes } from "./statutes.js";

const domains = loadDomains();
const corpus = loadStatutes();
const kinds = new Set(loadDispatchCatalogue().data.kinds.map((k) => k.id));

describe("knowledge domains", () => {
  it("name only laws in the statute corpus, by their exact titles, and offices the dispatch catalogue knows", () => {
    for (const d of domains.list) {
      for (const title of d.laws) expect(corpus.law(title)?.title, `${d.id}: ${title}`).toBe(title);
      expect(kinds.has(d.office), `${d.id}: ${d.office}`).toBe(true);
    }
  });

  it("cover every entry's topic, and every entry's offices are known kinds", () => {
    const { entries } = readKnowledge();
    for (const e of entries) {
      expect(domains.get(e.topic), e.id).toBeDefined();
      for (const c of e.contact) if (c.office) expect(kinds.has(c.office), `${e.id}: ${c.office}`).toBe(true);
    }
  });
});
