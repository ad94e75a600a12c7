#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm install` (the prepare script).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const cli = new URL("../dist/bot/main.js", import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  console.error(
    "shouwang is not built yet: run `npm install` (or `npm run build`) in the project folder first.",
  );
  process.exit(1);
}
await import(cli.href);
