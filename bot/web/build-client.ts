import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUILT_CLIENT_DIR, bundleClient, CLIENT_ENTRIES } from "./client-bundle.js";

/** The last step of `npm run build`: the pages' scripts bundled into dist/client/, for the compiled server. */
mkdirSync(BUILT_CLIENT_DIR, { recursive: true });
for (const entry of CLIENT_ENTRIES) writeFileSync(join(BUILT_CLIENT_DIR, `${entry}.js`), bundleClient(entry));
