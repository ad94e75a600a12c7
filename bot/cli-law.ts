import { createArticleSearch, loadStatuteWords } from "../knowledge/article-search.js";
import { type Article, loadStatutes } from "../knowledge/statutes.js";
import type { Io } from "./cli-io.js";

const LAW_USAGE = `shouwang law <法律名称> <条号>     print an article: shouwang law 民法典 1079
shouwang law search "关键词 …" [--law 名称] [--top N]
                                  the best-matching articles
`;

const printArticle = (io: Io, a: Article) => {
  io.stdout.write(`${a.law}（${a.version}）${a.label}${a.chapter ? `  〔${a.chapter}〕` : ""}\n`);
  for (const p of a.paragraphs) io.stdout.write(`  ${p}\n`);
};

export function lawCommand(args: string[], io: Io): number {
  const corpus = loadStatutes();
  if (args[0] === "search") {
    const words: string[] = [];
    const laws: string[] = [];
    let top = 5;
    for (let i = 1; i < args.length; i++) {
      const a = args[i] as string;
      if (a === "--law") laws.push(args[++i] ?? "");
      else if (a === "--top") top = Number(args[++i]);
      else words.push(a);
    }
    if (words.length === 0 || !Number.isInteger(top) || top < 1 || top > 50) {
      io.stderr.write(LAW_USAGE);
      return 2;
    }
    for (const name of laws)
      if (!corpus.law(name)) {
        io.stderr.write(`没有找到法律「${name}」\n`);
        return 1;
      }
    const hits = createArticleSearch(corpus, loadStatuteWords()).search(words.join(" "), {
      ...(laws.length > 0 ? { laws } : {}),
      limit: top,
    });
    if (hits.length === 0) {
      io.stdout.write("没有找到相关条文\n");
      return 1;
    }
    hits.forEach((h, i) => {
      const first = h.article.paragraphs.join("").slice(0, 80);
      io.stdout.write(
        `${i + 1}. ${h.article.law} ${h.article.label}\n   ${first}${first.length === 80 ? "…" : ""}\n`,
      );
    });
    return 0;
  }
  const [name, ref] = args;
  if (!name || !ref) {
    io.stderr.write(LAW_USAGE);
    return 2;
  }
  const repealed = corpus.repealed(name);
  if (repealed) {
    io.stderr.write(`${repealed.title}已废止，现行规定见${repealed.replacedBy}\n`);
    return 1;
  }
  const law = corpus.law(name);
  if (!law) {
    io.stderr.write(
      `没有找到法律「${name}」（语料共 ${corpus.laws.length} 部，名称可用简称，如 民法典、劳动合同法）\n`,
    );
    return 1;
  }
  const article = corpus.article(law.title, ref);
  if (!article) {
    io.stderr.write(`${law.title}没有「${ref}」\n`);
    return 1;
  }
  printArticle(io, article);
  return 0;
}
