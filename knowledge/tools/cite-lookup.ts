// For curators: prints the article a citation names, or says why it cannot be cited.
// npx tsx knowledge/tools/cite-lookup.ts 中华人民共和国民法典 第一千零七十九条
import { loadStatutes } from "../statutes.js";

const [law, article] = process.argv.slice(2);
if (!law || !article) {
  console.error("usage: npx tsx knowledge/tools/cite-lookup.ts <law title> <第X条>");
  process.exit(2);
}
const corpus = loadStatutes();
const repealed = corpus.repealed(law);
if (repealed) {
  console.log(`REPEALED: ${repealed.title} (replaced by ${repealed.replacedBy})`);
  process.exit(1);
}
const found = corpus.article(law, article);
if (!found) {
  const known = corpus.law(law);
  console.log(known ? `NO SUCH ARTICLE in ${known.title}` : `LAW NOT IN CORPUS: ${law}`);
  process.exit(1);
}
console.log(`${found.law}（${found.version}）${found.label}  [${found.chapter}]`);
for (const p of found.paragraphs) console.log(`  ${p}`);
