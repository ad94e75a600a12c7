import { describe, expect, it } from "vitest";
import { buildNlu } from "../bot/assistant.js";
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

describe("terms that name a domain's matter", () => {
  it("are found in a question, each domain once", () => {
    expect(domains.termsIn("我家草场被占了，禁牧期间也没人管")).toEqual(["grassland"]);
    expect(domains.termsIn("离婚后抚养费不给，还欠了借条上的钱")).toEqual([
      "marriage_family",
      "private_lending",
    ]);
    expect(domains.termsIn("羊肉怎么炖才不膻")).toEqual([]);
  });

  it("tip a torn classifier toward the domain a legal question names, and make no legal question of a word", () => {
    const { nlu } = buildNlu();
    // Alone, the classifier leaned to mediation for a neighbour taking pasture.
    expect(nlu.understand("草场被邻居占了几十亩能要回来吗").domain).toBe("grassland");
    expect(nlu.understand("工伤这个词用英语怎么说，简历上要写").domain).toBeUndefined();
  });
});
