import type { TaggedWord } from "./segmenter.js";

/**
 * Named local places in a message: the 小区, school, road, company or village a matter is about ("东澜湾社区",
 * "和顺路", "霖鑫公司", "大托新村"), below the 盟市/旗县区 that the gazetteer (places.ts) knows. Found from
 * jieba's words and tags: a word ending in a place suffix, with the name words before it, walking back until a
 * word that cannot be part of a name (a pronoun, verb, particle, punctuation, an administrative unit such as
 * "A5区" or "星沙镇", or a common noun such as 居民). A name made only of generic words (物业公司, 开发公司,
 * 公办学校) is not a place: too many unrelated matters share it.
 */

export type LocalPlaceKind = "residence" | "school" | "road" | "company" | "hospital" | "market";

/**
 * Whether two mentions name the same place: the same kind, and one name (descriptors left out) ends with the other:
 * "恒大翡翠华庭" and "翡翠华庭", "霖鑫公司" and "因霖鑫公司" (a word glued on by the segmenter).
 */
export function samePlace(a: LocalPlace, b: LocalPlace): boolean {
  if (a.kind !== b.kind) return false;
  const [long, short] = a.core.length >= b.core.length ? [a.core, b.core] : [b.core, a.core];
  if (!long.endsWith(short)) return false;
  // Bus line 28 is not bus line 128.
  return !(/^\d/.test(short) && /\d$/.test(long.slice(0, long.length - short.length)));
}

/** The names a place is found under in an index: its core and every ending of it at least two characters long. */
export function placeBlocks(p: LocalPlace): string[] {
  const out: string[] = [];
  for (let k = 0; k + 2 <= p.core.length; k++)
    if (k === 0 || !/\d/.test(p.core[k - 1] as string)) out.push(`${p.core.slice(k)}#${p.kind}`);
  return out;
}

export interface LocalPlace {
  /** As written, suffix included: "洋湖壹号小区". */
  name: string;
  /** What two mentions of one place share: the name without descriptors, and the kind ("洋湖壹号#residence"). */
  key: string;
  /** The name without its suffix and descriptors ("洋湖壹号"). */
  core: string;
  kind: LocalPlaceKind;
}

/** Checked longest first, so that "卫生院" is a hospital and not a "院". */
const SUFFIX_LIST: [string, LocalPlaceKind][] = [
  ["小区", "residence"],
  ["花园", "residence"],
  ["家园", "residence"],
  ["公寓", "residence"],
  ["社区", "residence"],
  ["新村", "residence"],
  ["新城", "residence"],
  ["山庄", "residence"],
  ["公馆", "residence"],
  ["华庭", "residence"],
  ["大厦", "residence"],
  ["广场", "residence"],
  ["苑", "residence"],
  ["村", "residence"],
  ["学校", "school"],
  ["小学", "school"],
  ["中学", "school"],
  ["幼儿园", "school"],
  ["大学", "school"],
  ["学院", "school"],
  ["职校", "school"],
  ["路", "road"],
  ["大道", "road"],
  ["大街", "road"],
  ["街", "road"],
  ["巷", "road"],
  ["大桥", "road"],
  ["高速", "road"],
  ["公司", "company"],
  ["集团", "company"],
  ["工厂", "company"],
  ["厂", "company"],
  ["银行", "company"],
  ["超市", "company"],
  ["商场", "company"],
  ["酒店", "company"],
  ["药房", "company"],
  ["医院", "hospital"],
  ["卫生院", "hospital"],
  ["市场", "market"],
];
const SUFFIXES = SUFFIX_LIST.sort((a, b) => b[0].length - a[0].length);

/** Words that end in a suffix without naming a place ("马路", "道路", "思路", "农村"). */
const NOT_PLACES = new Set(
  "道路 马路 公路 铁路 线路 思路 出路 一路 沿路 走路 修路 过路 网路 水路 电路 上街 逛街 临街 沿街 农村 乡村 山村 全村 本村 该村 邻村 各村 村村 渔村 城中村 行政村 自然村 贫困村 示范村 新农村 药厂".split(
    " ",
  ),
);

/** Words for roads in general rather than one road: 高速公路, 城市道路, 必经之路. */
const ROAD_WORDS = /(?:道路|公路|马路|铁路|线路|之路|无路|半路|小路|大路|土路|小巷)$/;

/** Tags of words that end a name when walking back: particles, prepositions, pronouns, verbs, adverbs, time. */
const STOP_TAGS = new Set([
  "uj",
  "ul",
  "ug",
  "uz",
  "uv",
  "ud",
  "u",
  "p",
  "c",
  "r",
  "rr",
  "rz",
  "v",
  "vd",
  "vn",
  "vi",
  "d",
  "f",
  "t",
  "tg",
  "q",
  "mq",
  "y",
  "e",
  "o",
  "a",
  "ad",
  "an",
  "z",
  "b",
  "i",
]);

/** Common nouns and modifiers that never belong to a place's name (公办学校, 老旧小区 and 水泥路 name no place). */
const STOP_WORDS = new Set(
  (
    "居民 业主 村民 群众 市民 家长 学生 孩子 小孩 老人 百姓 老百姓 人员 住户 商户 问题 情况 部门 政府 领导 工作 " +
    "项目 工程 地方 位置 区域 范围 周围 门口 旁边 对面 附近 周边 全体 整体 城市 乡镇 城乡 示范 片区 地段 路段 " +
    "现象 事情 事件 时间 目前 现在 今年 去年 年度 国家 省级 市级 区级 县级 全市 全区 全县 本地 当地 外地 " +
    "我们 我 他们 你们 大家 广大 整个 所有 其他 其它 各个 相关 有关 关于 对于 由于 因为 根据 按照 希望 请求 " +
    "要求 建议 咨询 投诉 举报 反映 这个 那个 这里 那里 一个 各位 个人 集体 农村 贫困 新建 原来 以前 之前 " +
    "物业管理 管理 服务 公共 实际 代表 杜绝 责令 这条 这段 那条 该路 本 该 此 这 那 全 各 每 上述 所述 借款 " +
    "单位 法规 整治 表态 电话 货车 分流"
  ).split(" "),
);

/** Names that are only a kind of place, not one place: 公办学校, 老旧小区, 水泥路, 中心小学, 物业公司, 自来水公司. */
const GENERIC_CORES = new Set(
  (
    "配套 安置 拆迁 回迁 保障 廉租 公租 商品 住宅 老旧 封闭式 开放式 开放性 公办 民办 普惠 普惠性 公立 私立 中小 " +
    "专科 职业技术 商业 步行 房地产 房产 农贸 建材 水泥 泥巴 沥青 柏油 高速 夜宵 主干 村级 通村 进村 普通 高档 " +
    "新 老 小 大 中心 营利性 维保 供水 机电 物业 开发 代理 民营 私人 国有 本地 附近 周边 " +
    // Utilities serve a whole city: a letter about the water company names no place.
    "公交 自来水 燃气 天然气 电信 移动 联通 供电 电力 水务 邮政 邮政储蓄 农商 建设 工商 农业 中国"
  ).split(" "),
);

/** Adjectives that describe rather than name: "严重影响小区", "危险路段". */
const PLAIN_ADJECTIVES = new Set(
  (
    "严重 困难 重要 主要 简单 复杂 方便 安全 危险 正常 不良 一般 普通 老旧 破旧 大型 小型 新型 很多 许多 " +
    "不少 偏远 落后 贫困 违法 非法 合法 公平 公正 严格 及时 长期 强烈 恶劣 巨大 明显 紧张 困扰 坚决 多年"
  ).split(" "),
);

/** Administrative units: a word ending in one (or the unit alone) is the prefix of a place, not part of its name. */
const ADMIN_UNIT = /(?:省|市|县|区|镇|乡|街道|苏木|嘎查)$/;
/** 旗, 盟 and 州 end many ordinary words (红旗): they are units only in a known place name (tag ns). */
const ADMIN_NAME = /(?:旗|盟|州)$/;
/** Inside a word jieba could not look up (tag x) an administrative unit glues onto the name: "县泉星", "市佳兆业". */
const GLUED_ADMIN = /^.*[省市县区镇乡]/;
/** …and so does a preposition: "沿盼", "对本". */
const GLUED_FUNCTION = /^[对在沿往向从到拐于经近离去走把被给让请的和与及因由为是即]/;
/** A letter and digits standing for a district ("A7", "K2"), as anonymised records and some forms write them. */
const CODE = /^[A-Za-z]\d{0,2}$/;
const NAME_CHARS = /^[\p{Script=Han}A-Za-z0-9０-９·]+$/u;
/** Counting words ("一个", "这条", "几") are no part of a name; other numerals are ("万家丽路", "261路"). */
const COUNTING = /[个条些只件次名位段种批家户所下年月日]$|^[一二三四五六七八九十两几多很许]+$/;
/** "金桂花园" before 小区 is the estate's name; its core is 金桂 either way. */
const RESIDENCE_TAIL = /(?:花园|家园|公寓|社区|新村|新城|山庄|公馆|华庭|大厦|广场|苑)$/;
const GLUED_SUFFIX = /^[村路街巷苑厂][\p{Script=Han}]$/u;
/** A name ending in a measure word counts rather than names: "一条街", "两所幼儿园". */
const COUNTED = /[个条些只件次名位段种批户所下]$/;
/** Descriptors dropped from a company's name to match its mentions ("生恒置业有限公司" = "生恒公司"). */
const DESCRIPTORS =
  /(?:有限责任|有限|责任|股份|置业|房地产|地产|开发|物业|服务|管理|投资|建设|建筑|工程|科技|实业|发展|劳务|保安|集团|分公司|总公司|[一二三四五六七八九十0-9]+期)/g;
const MAX_NAME_CHARS = 10;
const MAX_NAME_WORDS = 4;

function suffixOf(word: string): readonly [string, LocalPlaceKind] | undefined {
  for (const s of SUFFIXES) if (word.endsWith(s[0])) return s;
  return undefined;
}

/**
 * What a word before a suffix adds to the name: its text (perhaps trimmed of a glued unit or preposition) and
 * whether the walk stops after it; undefined when it cannot be part of a name.
 */
function namePart(
  w: TaggedWord,
  first = false,
  kind?: LocalPlaceKind,
): { text: string; last: boolean } | undefined {
  let text = w.word;
  let last = false;
  if (!NAME_CHARS.test(text)) return undefined;
  if (ADMIN_UNIT.test(text) || CODE.test(text) || (w.tag === "ns" && ADMIN_NAME.test(text))) return undefined;
  if (w.tag === "x") {
    const glued = GLUED_ADMIN.exec(text);
    if (glued) {
      text = text.slice(glued[0].length);
      last = true;
    } else if (text.length >= 2 && GLUED_FUNCTION.test(text)) {
      text = text.slice(1);
      last = true;
    }
    if (!text) return undefined;
  } else if (w.tag === "m") {
    if (COUNTING.test(text)) return undefined;
  } else if ((w.tag === "a" || w.tag === "an") && text.length >= 2 && !PLAIN_ADJECTIVES.has(text)) {
    // Two-character adjectives name roads, estates and firms: 幸福路, 美好家园, 宏远建筑公司.
  } else if (STOP_TAGS.has(w.tag)) return undefined;
  if (STOP_WORDS.has(text)) return undefined;
  // Another place word ends the name, except an estate's own name before 小区: "金桂花园小区".
  const inner = suffixOf(text);
  if (inner && !(first && kind === "residence" && inner[1] === "residence" && !NOT_PLACES.has(text)))
    return undefined;
  return { text, last };
}

/**
 * Every named local place in the tagged words, each key once, in order of first mention. `used`, when given,
 * receives the index of every word that is part of a mention, so that a caller can leave the names out of what
 * it compares (two letters about one 小区 share its name whatever their matter).
 */
export function findLocalPlaces(words: readonly TaggedWord[], used?: Set<number>): LocalPlace[] {
  const out: LocalPlace[] = [];
  const seen = new Map<string, LocalPlace>();
  for (let i = 0; i < words.length; i++) {
    let w = words[i] as TaggedWord;
    // jieba's guesser glues a verb onto a one-character suffix: "石门 村修 一条路" is 石门村.
    if (w.tag === "x" && w.word.length === 2 && GLUED_SUFFIX.test(w.word))
      w = { word: w.word[0] as string, tag: "n" };
    const suffix = suffixOf(w.word);
    if (!suffix) continue;
    const [end, kind] = suffix;
    if (NOT_PLACES.has(w.word) || (kind === "road" && ROAD_WORDS.test(w.word))) continue;
    // "路灯", "路口": the suffix is the whole word, the next word shows whether it names a road.
    let name = w.word.slice(0, w.word.length - end.length);
    let parts = name ? 1 : 0;
    let walk = true;
    let startsAt = i;
    // In a word jieba could not look up, what stands before the name may be glued to it: "县泉星社区", "走东八路".
    if (name && w.tag === "x") {
      const part = namePart({ word: name, tag: "x" });
      name = part?.text ?? "";
      walk = part !== undefined && !part.last;
    }
    for (let j = i - 1; walk && j >= 0 && parts < MAX_NAME_WORDS; j--) {
      let part = namePart(words[j] as TaggedWord, name === "", kind);
      // After a code such as "A7", a unit may start the next word: "A7 县长 龙村" is 长龙村 in county A7.
      const before = words[j - 1];
      if (part && before && CODE.test(before.word) && /^[省市县区镇乡]./.test(part.text))
        part = { text: part.text.slice(1), last: true };
      if (!part || name.length + part.text.length > MAX_NAME_CHARS) break;
      name = part.text + name;
      startsAt = j;
      parts++;
      if (part.last) break;
    }
    // A house number is the address, not the name: "139号潇楚佳苑" is 潇楚佳苑.
    name = name.replace(/^[0-9０-９]+号(?=.)/, "");
    if (!name) continue;
    const core =
      kind === "company"
        ? name.replace(DESCRIPTORS, "")
        : kind === "residence" && RESIDENCE_TAIL.test(name) && name.replace(RESIDENCE_TAIL, "").length >= 2
          ? name.replace(RESIDENCE_TAIL, "")
          : name;
    // One character is rarely a name on its own ("东路", "新村"), except a bus line's number ("261路").
    if (core.length < 2 && !(kind === "road" && /^\d+$/.test(core))) continue;
    if (STOP_WORDS.has(core) || GENERIC_CORES.has(core) || COUNTED.test(core)) continue;
    const key = `${core}#${kind}`;
    if (used) for (let k = startsAt; k <= i; k++) used.add(k);
    const known = seen.get(key);
    // The fullest mention names it: "金桂花园小区" rather than "金桂花园".
    if (known) {
      if (name.length + end.length > known.name.length) known.name = name + end;
      continue;
    }
    const place = { name: name + end, key, core, kind };
    seen.set(key, place);
    out.push(place);
  }
  return out;
}

/** A county-level unit written as a place name (ns: 松山区, 达拉特旗) or as a code and unit ("A7县", "K2 区"). */
const COUNTY_WORD = /^[\p{Script=Han}]{1,8}(?:县|区|旗)$/u;
const NOT_COUNTIES =
  /(?:小区|社区|园区|景区|校区|片区|辖区|厂区|营区|保税区|开发区)$|^(?:山区|牧区|老区|市区|郊区|新区|城区|湖区|矿区|库区|街区)$/;

/**
 * The 旗县区 a message names: two messages about different counties are not about the same matter, whatever
 * their words share ("咨询F5县农村医疗保险" and "咨询J11市城乡居民参保" are two questions, not one issue).
 */
export function findCounties(words: readonly TaggedWord[]): string[] {
  const out = new Set<string>();
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as TaggedWord;
    const prev = words[i - 1];
    if (prev && CODE.test(prev.word) && /^[县区旗]/.test(w.word))
      out.add(`${prev.word.toLowerCase()}${w.word[0]}`);
    else if (w.tag === "ns" && COUNTY_WORD.test(w.word) && !NOT_COUNTIES.test(w.word)) out.add(w.word);
  }
  return [...out];
}
