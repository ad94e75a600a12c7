import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../core/paths.js";

/**
 * Dependencies point one way: adapters and the engine (bot/) → domain (handoff/, intents/, knowledge/, campaigns/) → store/ →
 * core/. A module may import from its own layer or a lower one; domain modules may import one another; core/
 * imports nothing of ours. And no module reaches itself again through its imports: no cycles.
 *
 * Every import counts: `import`, `import type`, `export … from` and `import("…")`.
 *
 * The pages' browser code (bot/web/client/) is a world of its own: it imports nothing from the server and the
 * server imports none of it (the routes inline its bundle; see bot/web/client-bundle.ts).
 */
const LAYERS: Record<string, number> = {
  core: 0,
  store: 1,
  handoff: 2,
  intents: 2,
  knowledge: 2,
  campaigns: 2,
  bot: 3,
};
const LAYER_NAMES = ["core", "store", "domain", "bot"];

type Graph = Map<string, string[]>;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(projectRoot, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

/** Relative module specifiers only: packages and node: builtins are not ours. */
function relativeImports(text: string): string[] {
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles.map((f) => f.fileName).filter((s) => s.startsWith("./") || s.startsWith("../"));
}

/** Files as project-relative paths with forward slashes; `./x.js` resolves to `x.ts` when that exists. */
function buildGraph(): Graph {
  const graph: Graph = new Map();
  const files = Object.keys(LAYERS).flatMap((d) => sourceFiles(d));
  const known = new Set(files.map(norm));
  for (const file of files) {
    const targets = relativeImports(readFileSync(join(projectRoot, file), "utf8")).map((spec) => {
      const target = norm(relative(projectRoot, resolve(projectRoot, dirname(file), spec)));
      const source = target.replace(/\.js$/, ".ts");
      return known.has(source) ? source : target;
    });
    graph.set(norm(file), [...new Set(targets)]);
  }
  return graph;
}

const norm = (p: string) => p.split(sep).join("/");

function layerOf(file: string): number | undefined {
  return LAYERS[file.split("/")[0] ?? ""];
}

/** "file → import" for every import into a higher layer, or out of the layered tree (tests/, bench/). */
function layerViolations(graph: Graph): string[] {
  const out: string[] = [];
  for (const [file, targets] of graph) {
    const from = layerOf(file);
    for (const target of targets) {
      const to = layerOf(target);
      if (from === undefined) continue;
      if (to === undefined) out.push(`${file} → ${target} (outside ${Object.keys(LAYERS).join("/")})`);
      else if (to > from)
        out.push(`${file} → ${target} (${LAYER_NAMES[from]} may not import ${LAYER_NAMES[to]})`);
    }
  }
  return out.sort();
}

const CLIENT = "bot/web/client/";

/** "file → import" for every import between browser code and server code, either way. */
function clientViolations(graph: Graph): string[] {
  const out: string[] = [];
  for (const [file, targets] of graph)
    for (const target of targets)
      if (file.startsWith(CLIENT) !== target.startsWith(CLIENT))
        out.push(`${file} → ${target} (browser and server code do not import each other)`);
  return out.sort();
}

/** One cycle per strongly connected component (Tarjan), written "a → b → … → a". */
function importCycles(graph: Graph): string[] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (v: string) => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      const selfLoop = (graph.get(v) ?? []).includes(v);
      if (component.length > 1 || selfLoop) components.push(component);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) connect(v);
  return components.map((component) => shortestCycle(graph, new Set(component))).sort();
}

/** The shortest cycle through the component's first file (in sort order), by breadth-first search. */
function shortestCycle(graph: Graph, component: Set<string>): string {
  const start = [...component].sort()[0] ?? "";
  const parent = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift() ?? "";
    for (const w of graph.get(v) ?? []) {
      if (!component.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(parent.get(path[0] ?? "") ?? start);
        return [...path, start].join(" → ");
      }
      if (!parent.has(w)) {
        parent.set(w, v);
        queue.push(w);
      }
    }
  }
  return start;
}

describe("architecture", () => {
  const graph = buildGraph();

  it("reads every kind of import, and only real ones", () => {
    const text = [
      'import a from "./a.js";',
      'import type { B } from "../b.js";',
      'export { c } from "./c.js";',
      'export * from "./d.js";',
      'const e = await import("./e.js");',
      'type F = typeof import("./f.js");',
      '// import { g } from "./g.js";',
      "const h = \"import h from './h.js'\";",
      'import z from "zod";',
    ].join("\n");
    expect(relativeImports(text)).toEqual(["./a.js", "../b.js", "./c.js", "./d.js", "./e.js", "./f.js"]);
    expect(graph.size).toBeGreaterThan(100);
    const imports = (file: string) => graph.get(file) ?? [];
    expect(imports("bot/assistant.ts")).toContain("bot/engine.ts");
    expect(imports("bot/cli.ts")).toContain("bot/cli-law.ts"); // dynamic
    expect(imports("bot/cli-law.ts")).toContain("bot/cli-io.ts"); // type-only
    expect(imports("bot/slack/index.ts")).toContain("bot/slack/department-channels.ts"); // re-export
  });

  it("imports only from its own layer or a lower one", () => {
    expect(layerViolations(graph)).toEqual([]);
  });

  it("has no import cycles", () => {
    expect(importCycles(graph)).toEqual([]);
  });

  it("keeps the browser code apart from the server's", () => {
    expect([...graph.keys()].filter((f) => f.startsWith(CLIENT)).length).toBeGreaterThan(5);
    expect(graph.get("bot/web/client/console/main.ts")).toContain("bot/web/client/console/crisis.ts");
    expect(clientViolations(graph)).toEqual([]);
  });

  it("the checks find what they are for", () => {
    const toy: Graph = new Map([
      ["core/a.ts", ["store/b.ts"]],
      ["store/b.ts", ["core/a.ts"]],
      ["bot/c.ts", ["bot/d.ts", "intents/e.ts"]],
      ["bot/d.ts", ["bot/c.ts"]],
      ["intents/e.ts", ["knowledge/f.ts", "tests/helpers.ts"]],
      ["knowledge/f.ts", ["store/b.ts"]],
      ["bot/web/client/g.ts", ["bot/web/client/h.ts", "core/a.ts"]],
      ["bot/web/i.ts", ["bot/web/client/h.ts"]],
    ]);
    expect(layerViolations(toy)).toEqual([
      "core/a.ts → store/b.ts (core may not import store)",
      "intents/e.ts → tests/helpers.ts (outside core/store/handoff/intents/knowledge/campaigns/bot)",
    ]);
    expect(importCycles(toy)).toEqual([
      "bot/c.ts → bot/d.ts → bot/c.ts",
      "core/a.ts → store/b.ts → core/a.ts",
    ]);
    expect(clientViolations(toy)).toEqual([
      "bot/web/client/g.ts → core/a.ts (browser and server code do not import each other)",
      "bot/web/i.ts → bot/web/client/h.ts (browser and server code do not import each other)",
    ]);
  });
});
