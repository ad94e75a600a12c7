import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import type TypeScript from "typescript";
import { cachedJson, fileText, moduleText } from "../../core/file-cache.js";
import { projectPath } from "../../core/paths.js";

/**
 * The pages' scripts are browser TypeScript under `client/` (type-checked by `tsconfig.client.json`, linted by
 * Biome). Each page's modules are bundled here into one classic script that the route inlines into the page,
 * so a page is still one request (the citizen's chat on a slow rural connection) and its CSP allows that script
 * by its hash alone.
 *
 * The bundle is TypeScript's own transpiler plus a small module linker, not a bundler package: every module
 * becomes a function scope evaluated once, in import order, whose exports are the names it returns; an import
 * is a destructuring of those names. That holds for the plain code we write (named imports and exports of
 * functions, classes and constants) and the linker refuses what it would get wrong: default and star exports,
 * exported `let`/`var` (importers would not see later assignments), package imports other than `import type`,
 * import cycles.
 *
 * `npm run build` writes the bundles to dist/client/, which the compiled server reads; from source (tsx, vitest)
 * they are built on first use and cached in data/cache under a hash of the client sources.
 */

export const CLIENT_ENTRIES = ["console", "chat", "dashboard"] as const;
export type ClientEntry = (typeof CLIENT_ENTRIES)[number];

const CLIENT_DIR = projectPath("bot", "web", "client");
const CLIENT_CONFIG = projectPath("tsconfig.client.json");
/** Where `npm run build` puts the bundles for the compiled server. */
export const BUILT_CLIENT_DIR = projectPath("dist", "client");

const entryFile = (entry: ClientEntry) => join(CLIENT_DIR, entry, "main.ts");

function clientSources(dir = CLIENT_DIR): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...clientSources(path));
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

/** The page's script: the prebuilt bundle under the compiled server, else built from source (and cached). */
export function clientScript(entry: ClientEntry): string {
  const prebuilt = join(BUILT_CLIENT_DIR, `${entry}.js`);
  if (import.meta.url.endsWith(".js") && existsSync(prebuilt)) return readFileSync(prebuilt, "utf8");
  const inputs = [
    moduleText("./client-bundle.js", import.meta.url),
    fileText(CLIENT_CONFIG),
    // The version from its package.json: a cache hit must not load the compiler itself (9 MB).
    (createRequire(import.meta.url)("typescript/package.json") as { version: string }).version,
    ...clientSources().flatMap((f) => [relative(CLIENT_DIR, f), fileText(f)]),
  ];
  return cachedJson(`client-${entry}`, inputs, () => ({ js: bundleClient(entry) })).js;
}

/**
 * The page with its bundle inlined where it says `<script data-bundle="name"></script>`. Built once, when the
 * routes are registered.
 */
export function pageWithScript(htmlFile: string, entry: ClientEntry): Buffer {
  const html = readFileSync(htmlFile, "utf8");
  const slot = `<script data-bundle="${entry}"></script>`;
  if (!html.includes(slot)) throw new Error(`${htmlFile} has no ${slot}`);
  const js = clientScript(entry);
  return Buffer.from(
    html.replace(slot, () => `<script>${js}</script>`),
    "utf8",
  );
}

let ts: typeof TypeScript | undefined;
/** TypeScript is a development dependency: loaded only when a bundle is built. */
function typescript(): typeof TypeScript {
  ts ??= createRequire(import.meta.url)("typescript") as typeof TypeScript;
  return ts;
}

function compilerOptions(): TypeScript.CompilerOptions {
  const t = typescript();
  const config = t.readConfigFile(CLIENT_CONFIG, t.sys.readFile);
  if (config.error) throw new Error(t.flattenDiagnosticMessageText(config.error.messageText, "\n"));
  const { options, errors } = t.convertCompilerOptionsFromJson(
    config.config.compilerOptions,
    dirname(CLIENT_CONFIG),
  );
  if (errors.length)
    throw new Error(errors.map((e) => t.flattenDiagnosticMessageText(e.messageText, "\n")).join("; "));
  return { ...options, noEmit: false, removeComments: true, sourceMap: false, declaration: false };
}

interface LinkedModule {
  file: string;
  /** Module files this one imports, resolved. */
  deps: string[];
  /** The module's code, its imports turned into destructurings of other modules and its `export`s removed. */
  body: string;
  exports: string[];
}

/** One page's modules as a single classic script, the entry last. */
export function bundleClient(entry: ClientEntry): string {
  const options = compilerOptions();
  const modules = new Map<string, LinkedModule>();
  const order: string[] = [];
  const visiting = new Set<string>();
  const visit = (file: string, chain: string[]) => {
    if (modules.has(file)) return;
    if (visiting.has(file))
      throw new Error(`import cycle in client code: ${[...chain, file].map(short).join(" → ")}`);
    visiting.add(file);
    const linked = link(file, options);
    for (const dep of linked.deps) visit(dep, [...chain, file]);
    visiting.delete(file);
    modules.set(file, linked);
    order.push(file);
  };
  visit(entryFile(entry), []);
  const parts = order.map((file) => {
    const m = modules.get(file) as LinkedModule;
    return `const ${moduleId(file)} = (() => {\n${m.body}\nreturn { ${m.exports.join(", ")} };\n})();`;
  });
  const js = `(() => {\n"use strict";\n${parts.join("\n")}\n})();\n`;
  // Inlined into a <script> element: these would end it early or change how the HTML parser reads it.
  if (/<\/script|<!--/i.test(js)) throw new Error(`the ${entry} bundle contains "</script" or "<!--"`);
  return js;
}

const short = (file: string) => relative(CLIENT_DIR, file).split(sep).join("/");
/** `console/crisis.ts` is `m_console_crisis` in the bundle. */
const moduleId = (file: string) =>
  `m_${short(file)
    .replace(/\.ts$/, "")
    .replace(/[^A-Za-z0-9]/g, "_")}`;

/** Transpiles one module and rewrites its imports and exports for the bundle. */
function link(file: string, options: TypeScript.CompilerOptions): LinkedModule {
  const t = typescript();
  const out = t.transpileModule(readFileSync(file, "utf8"), { compilerOptions: options, fileName: file });
  const js = out.outputText;
  const src = t.createSourceFile(
    file.replace(/\.ts$/, ".js"),
    js,
    t.ScriptTarget.Latest,
    true,
    t.ScriptKind.JS,
  );
  const fail = (node: TypeScript.Node, why: string): never => {
    throw new Error(`${short(file)}: ${why}: ${node.getText(src).slice(0, 80)}`);
  };
  const deps: string[] = [];
  const exports: string[] = [];
  const edits: { start: number; end: number; text: string }[] = [];
  for (const st of src.statements) {
    if (t.isImportDeclaration(st)) {
      const spec = (st.moduleSpecifier as TypeScript.StringLiteral).text;
      if (!spec.startsWith("./") && !spec.startsWith("../"))
        fail(st, "client code may import other packages only with `import type`");
      const target = resolve(dirname(file), spec).replace(/\.js$/, ".ts");
      if (!target.startsWith(CLIENT_DIR + sep) || !existsSync(target))
        fail(st, "client code may import only client modules");
      deps.push(target);
      const clause = st.importClause;
      let text = "";
      if (clause?.name) fail(st, "no default imports in client code");
      const bindings = clause?.namedBindings;
      if (bindings && t.isNamespaceImport(bindings))
        text = `const ${bindings.name.text} = ${moduleId(target)};`;
      else if (bindings?.elements.length)
        text = `const { ${bindings.elements
          .map((e) => (e.propertyName ? `${e.propertyName.getText(src)}: ${e.name.text}` : e.name.text))
          .join(", ")} } = ${moduleId(target)};`;
      edits.push({ start: st.getStart(src), end: st.end, text });
      continue;
    }
    if (t.isExportDeclaration(st)) {
      if (st.moduleSpecifier || !st.exportClause || !t.isNamedExports(st.exportClause))
        fail(st, "only `export { a, b }` of local names");
      for (const e of (st.exportClause as TypeScript.NamedExports).elements)
        exports.push(e.propertyName ? `${e.name.text}: ${e.propertyName.getText(src)}` : e.name.text);
      edits.push({ start: st.getStart(src), end: st.end, text: "" });
      continue;
    }
    if (t.isExportAssignment(st)) fail(st, "no default exports in client code");
    const mods = t.canHaveModifiers(st) ? t.getModifiers(st) : undefined;
    const exp = mods?.find((m) => m.kind === t.SyntaxKind.ExportKeyword);
    if (!exp) continue;
    if (mods?.some((m) => m.kind === t.SyntaxKind.DefaultKeyword))
      fail(st, "no default exports in client code");
    if (t.isFunctionDeclaration(st) || t.isClassDeclaration(st)) {
      if (!st.name) fail(st, "exported declarations need a name");
      exports.push((st.name as TypeScript.Identifier).text);
    } else if (t.isVariableStatement(st)) {
      if (!(st.declarationList.flags & t.NodeFlags.Const))
        fail(st, "export a const (importers would not see later assignments to a let)");
      for (const d of st.declarationList.declarations) {
        if (!t.isIdentifier(d.name)) fail(st, "no destructuring in exported declarations");
        exports.push((d.name as TypeScript.Identifier).text);
      }
    } else fail(st, "unsupported export");
    edits.push({ start: exp.getStart(src), end: exp.end + 1, text: "" });
  }
  // The bundle drops lines' indentation, which only a template literal or string spanning lines would notice.
  const multiline = (node: TypeScript.Node): void => {
    if ((t.isStringLiteral(node) || t.isTemplateLiteralToken(node)) && node.getText(src).includes("\n"))
      fail(node, "no literal spanning lines in client code (write \\n)");
    t.forEachChild(node, multiline);
  };
  multiline(src);
  let body = js;
  for (const e of edits.sort((a, b) => b.start - a.start))
    body = body.slice(0, e.start) + e.text + body.slice(e.end);
  return { file, deps, body: body.trim().replace(/^[ \t]+/gm, ""), exports };
}
