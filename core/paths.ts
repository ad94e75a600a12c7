import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Data files (dictionary, training set, knowledge base) live in the source tree, not in dist/, so that curators
 * edit one copy. Both `tsx bot/x.ts` and `node dist/bot/x.js` must find them, hence the walk up to package.json.
 */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the project root (package.json)");
    dir = parent;
  }
  return dir;
}

export const projectRoot = findRoot();

export const projectPath = (...parts: string[]): string => join(projectRoot, ...parts);
