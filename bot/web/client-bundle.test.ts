import { describe, expect, it } from "vitest";
import { projectPath } from "../../core/paths.js";
import { bundleClient, CLIENT_ENTRIES, pageWithScript } from "./client-bundle.js";

describe("client bundles", () => {
  it.each(CLIENT_ENTRIES)(
    "links the %s page's modules into one plain script, inlined into the page",
    (entry) => {
      const js = bundleClient(entry);
      // A classic script: it parses as a function body, with no module syntax left.
      expect(() => new Function(js)).not.toThrow();
      expect(js).not.toMatch(/^\s*(import|export)\b/m);
      const page = pageWithScript(projectPath("bot", "web", `${entry}.html`), entry).toString("utf8");
      expect(page).not.toContain("data-bundle");
      expect(page.match(/<script>/g)).toHaveLength(1);
      expect(page).toContain(`<script>${js}</script>`);
    },
  );
});
